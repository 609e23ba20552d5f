from django.urls import path

from ruanzhu.filings import views

app_name = "filings"
urlpatterns = [
    path("software/", views.catalog, name="catalog"),
    path("software/verify-first/", views.verification_required, name="verification_required"),
    path("software/<str:code>/start/", views.start, name="start"),
    path("filings/<int:pk>/", views.detail, name="detail"),
    path("forms/<str:flow_number>/", views.form_verify, name="form_verify"),
]
