from django.urls import path

from ruanzhu.agents import views

app_name = "agents"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("mandates/", views.client_mandates, name="mandates"),
    path("mandates/new/", views.propose, name="propose"),
    path("mandates/<id:pk>/", views.mandate_detail, name="mandate_detail"),
    path("mandates/<id:pk>/letter.pdf", views.letter, name="letter"),
    path("mandates/<id:pk>/signed-letter/", views.signed_letter, name="signed_letter"),
    path("mandates/<id:pk>/signed-letter/upload/", views.upload_letter, name="upload_letter"),
    path("mandates/<id:pk>/accept/", views.accept, name="accept"),
    path("mandates/<id:pk>/decline/", views.decline, name="decline"),
    path("mandates/<id:pk>/revoke/", views.revoke, name="revoke"),
]
