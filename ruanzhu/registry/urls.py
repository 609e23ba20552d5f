from django.urls import path

from ruanzhu.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("<str:registration_number>/", views.record, name="record"),
]
