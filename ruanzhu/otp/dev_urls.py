"""Development-only pages, mounted under /dev/ by config/urls.py when DEBUG is on."""

from django.urls import path

from ruanzhu.otp import views

app_name = "dev"
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
]
