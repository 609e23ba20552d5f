from django.urls import path

from ruanzhu.identity import review_views

app_name = "identity_review"
urlpatterns = [
    path("", review_views.queue, name="queue"),
    path("<int:pk>/", review_views.detail, name="detail"),
    path("<int:pk>/documents/<str:slot>/", review_views.document, name="document"),
    path("<int:pk>/claim/", review_views.claim, name="claim"),
    path("<int:pk>/release/", review_views.release, name="release"),
    path("<int:pk>/approve/", review_views.approve, name="approve"),
    path("<int:pk>/reject/", review_views.reject, name="reject"),
]
