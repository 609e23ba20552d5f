from django.urls import path

from ruanzhu.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("verify/<certificate_token:token>/", views.verify, name="verify"),
    path("<registration_number:registration_number>/", views.record, name="record"),
]
