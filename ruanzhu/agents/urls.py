from django.urls import path

from ruanzhu.agents import views

app_name = "agents"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("mandates/", views.client_mandates, name="mandates"),
    path("mandates/new/", views.propose, name="propose"),
    path("mandates/<int:pk>/", views.mandate_detail, name="mandate_detail"),
    path("mandates/<int:pk>/letter.pdf", views.letter, name="letter"),
    path("mandates/<int:pk>/signed-letter/", views.signed_letter, name="signed_letter"),
    path("mandates/<int:pk>/signed-letter/upload/", views.upload_letter, name="upload_letter"),
    path("mandates/<int:pk>/accept/", views.accept, name="accept"),
    path("mandates/<int:pk>/decline/", views.decline, name="decline"),
    path("mandates/<int:pk>/revoke/", views.revoke, name="revoke"),
]
