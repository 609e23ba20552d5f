from django.urls import path

from ruanzhu.examination import views

app_name = "examination"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/documents/<slug:kind>/", views.document, name="document"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/reject-acceptance/", views.reject_acceptance, name="reject_acceptance"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/correction/", views.request_correction, name="request_correction"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
]
