"""The project's URLs with the development pages mounted, as config/urls.py does when DEBUG is on."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("dev/", include("ruanzhu.otp.dev_urls")), *project_urlpatterns]
