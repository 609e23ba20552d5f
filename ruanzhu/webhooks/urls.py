from django.urls import path

from ruanzhu.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhooks_page, name="page"),
    path("endpoints/new/", views.endpoint_create, name="endpoint_create"),
    path("endpoints/<id:pk>/disable/", views.endpoint_disable, name="endpoint_disable"),
    path("endpoints/<id:pk>/enable/", views.endpoint_enable, name="endpoint_enable"),
    path("endpoints/<id:pk>/rotate-secret/", views.endpoint_rotate, name="endpoint_rotate"),
    path("endpoints/<id:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("deliveries/<id:pk>/resend/", views.delivery_resend, name="delivery_resend"),
]
