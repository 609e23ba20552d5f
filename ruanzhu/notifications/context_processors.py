from django.core.cache import cache

from ruanzhu.notifications.models import Notification

UNREAD_CACHE_SECONDS = 60


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread(request):
    """Count the logged-in account's unread in-site messages for the header (cached: every page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return {"unread_notifications": count}
