from django.core.cache import cache

from ruanzhu.agents.selectors import agent_cache_key, is_active_agent
from ruanzhu.notifications.selectors import unread_cache_key, unread_count

HEADER_CACHE_SECONDS = 60


def header(request):
    """Return the account's unread message count and agent flag for the header.

    Every page shows them, so both come from the cache in one round trip; the services that change them
    delete their keys. Access itself is never decided from these values.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    keys = {"unread_notifications": unread_cache_key(user.pk), "is_agent": agent_cache_key(user.pk)}
    cached = cache.get_many(keys.values())
    values, missing = {}, {}
    for name, key in keys.items():
        if key in cached:
            values[name] = cached[key]
            continue
        values[name] = unread_count(user) if name == "unread_notifications" else is_active_agent(user)
        missing[key] = values[name]
    if missing:
        cache.set_many(missing, HEADER_CACHE_SECONDS)
    return values
