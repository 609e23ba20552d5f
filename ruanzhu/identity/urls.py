from django.urls import path

from ruanzhu.identity import views

app_name = "identity"
urlpatterns = [
    path("", views.start, name="start"),
    path("step/1/", views.step1, name="step1"),
    path("step/2/", views.step2, name="step2"),
    path("step/3/", views.step3, name="step3"),
    path("cities/", views.cities, name="cities"),
    path("status/", views.status, name="status"),
    path("revise/", views.revise, name="revise"),
    path("documents/<identity_slot:slot>/", views.document, name="document"),
    path("documents/<identity_slot:slot>/upload/", views.upload, name="upload"),
    path("documents/<identity_slot:slot>/row/", views.slot_row, name="slot_row"),
    path("authorization-letter.pdf", views.authorization_letter, name="authorization_letter"),
]
