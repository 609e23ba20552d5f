from django.conf import settings


def site(request):
    """Expose what every page's header needs."""
    return {"SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}
