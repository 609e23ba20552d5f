from ruanzhu.notifications.models import Notification


def unread(request):
    """Count the logged-in account's unread in-site messages for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count()}
