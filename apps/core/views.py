import sys

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import health, unavailable


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


def placeholder_view(title):
    """A page whose content arrives with a later issue; the navigation already leads to it."""

    def view(request):
        return render(request, "core/placeholder.html", {"title": title})

    return view
