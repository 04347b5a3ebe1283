"""The branding's stylesheet and logo: public (the sign-in page shows them), and cached for a
year, since their URLs change with each save (?v=)."""

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from apps.pages import branding, services

YEAR = 365 * 24 * 3600


@login_not_required
@require_GET
def stylesheet(request):
    response = HttpResponse(branding.current().css, content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    return response


@login_not_required
@require_GET
def logo(request):
    name = (services.branding_get().logo or {}).get("file")
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name), content_type="image/webp")
    patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    return response
