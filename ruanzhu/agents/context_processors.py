from django.core.cache import cache

AGENT_CACHE_SECONDS = 60


def agent_cache_key(user_id: int) -> str:
    return f"agents:is_agent:{user_id}"


def agent(request):
    """Tell the header whether the account is an active agent (cached: every page asks; access itself is
    always decided afresh by the selectors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {}
    key = agent_cache_key(user.pk)
    is_agent = cache.get(key)
    if is_agent is None:
        from ruanzhu.agents.models import AgentProfile

        is_agent = AgentProfile.objects.filter(account_id=user.pk, is_active=True).exists()
        cache.set(key, is_agent, AGENT_CACHE_SECONDS)
    return {"is_agent": is_agent}
