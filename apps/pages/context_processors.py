from apps.pages import branding


def site_branding(request):
    """The branding every page shows; SITE_NAME becomes the name set in the admin, if any."""
    current = branding.current()
    return {"BRANDING": current, "SITE_NAME": current.site_name}
