"""The branding's stylesheet and logo: public (the sign-in page shows them), and cached for a
year, since their URLs change with each save (?v=)."""

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from apps.core import branding
from apps.pages import services
from apps.pages.colours import theme_css

YEAR = 365 * 24 * 3600


@login_not_required
@require_GET
def stylesheet(request):
    current = branding.current()
    response = HttpResponse(theme_css(current.primary_colour), content_type="text/css; charset=utf-8")
    _cache_if_current(response, request.GET.get("v"), current.version)
    return response


def _cache_if_current(response, asked: str | None, version: str) -> None:
    """A year for the current version's URL; any other (an old or a made-up ?v=) is not kept,
    so that nobody can plant today's file under a URL a later save will use."""
    if asked == version:
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, no_cache=True)


@login_not_required
@require_GET
def logo(request):
    name = (services.branding_get().logo or {}).get("file")
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name), content_type="image/webp")
    _cache_if_current(response, request.GET.get("v"), branding.current().logo_version)
    return response
