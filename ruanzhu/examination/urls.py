from django.urls import path

from ruanzhu.examination import views

app_name = "examination"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/documents/<document_kind:kind>/", views.document, name="document"),
    path("<id:pk>/claim/", views.claim, name="claim"),
    path("<id:pk>/release/", views.release, name="release"),
    path("<id:pk>/accept/", views.accept, name="accept"),
    path("<id:pk>/reject-acceptance/", views.reject_acceptance, name="reject_acceptance"),
    path("<id:pk>/start/", views.start, name="start"),
    path("<id:pk>/correction/", views.request_correction, name="request_correction"),
    path("<id:pk>/register/", views.register, name="register"),
    path("<id:pk>/refuse/", views.refuse, name="refuse"),
]
