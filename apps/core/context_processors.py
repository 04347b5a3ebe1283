from django.conf import settings

from apps.core import branding


def site(request):
    """The site's name and branding (set in the admin: apps/core/branding.py, no query)."""
    current = branding.current()
    return {
        "SITE_NAME": current.site_name,
        "BRANDING": current,
        "DEBUG": settings.DEBUG,
        "LIVE_URL": settings.LIVE_URL or "/ws/",
    }
