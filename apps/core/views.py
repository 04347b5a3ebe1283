import sys

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import errors, health, unavailable


@require_GET
@never_cache
@login_not_required
def healthz(request):
    status = health.status()
    # The web process is healthy while it can reach its database; Redis and the
    # workers are reported so that operators (and compose) can see them.
    code = 200 if status["db"] == "ok" else 503
    return JsonResponse(status, status=code)


def server_error(request):
    """handler500: Django calls it while handling the exception that escaped (sys.exc_info()
    holds it). An unreachable database is a 503, "temporarily unavailable"; the rest a 500.
    Neither page touches the database."""
    status = 503 if unavailable.database_unavailable(sys.exc_info()[1]) else 500
    return unavailable.error_response(request, status)


# handler400, handler403 and handler404 (config/urls.py) and CSRF_FAILURE_VIEW: pages in the
# site's layout (apps/core/errors.py). None shows the exception: a private post's 404 says
# exactly what a missing one says, and a refusal's reason is not the visitor's to read.


def bad_request(request, exception=None):
    return errors.error_response(request, "400")


def permission_denied(request, exception=None):
    return errors.error_response(request, "403")


def page_not_found(request, exception=None):
    return errors.error_response(request, "404")


def csrf_failure(request, reason=""):
    return errors.error_response(request, "csrf")


def placeholder_view(title):
    """A page whose content arrives with a later issue; the navigation already leads to it."""

    def view(request):
        return render(request, "core/placeholder.html", {"title": title})

    return view
