from django.urls import path

from ruanzhu.identity import review_views

app_name = "identity_review"
urlpatterns = [
    path("", review_views.queue, name="queue"),
    path("<id:pk>/", review_views.detail, name="detail"),
    path("<id:pk>/documents/<identity_slot:slot>/", review_views.document, name="document"),
    path("<id:pk>/claim/", review_views.claim, name="claim"),
    path("<id:pk>/release/", review_views.release, name="release"),
    path("<id:pk>/approve/", review_views.approve, name="approve"),
    path("<id:pk>/reject/", review_views.reject, name="reject"),
]
