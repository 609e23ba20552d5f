from ruanzhu.notifications.models import Notification


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    """Count the account's unread in-site messages (the header caches it: ruanzhu.portal.context_processors.header)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
