"""Only the admin, so that admin pages of core can be tested on their own."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
