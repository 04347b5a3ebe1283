"""The answer when a request fails: a styled page, never Django's bare "Server Error (500)".

A database that cannot be reached (connection refused or timed out, no pooled connection
free in time, no answer within DATABASE_READ_TIMEOUT: config/database_connection.py) is a
503 "temporarily unavailable" with Retry-After; anything else a 500. Both are rendered
without the database: no context processor (they would load the session and the user), no
request context at all, and the language read from the request's cookie or Accept-Language.
Pages get the whole page, htmx a fragment, JSON callers JSON.
"""

import psycopg
from django import db
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext_lazy as _

from apps.core import branding
from apps.core.htmx import wants_fragment

# What a person may do meanwhile: an outage of the database lasts seconds to minutes.
RETRY_AFTER_SECONDS = 10

DATABASE_UNAVAILABLE = (
    db.OperationalError,  # psycopg's, wrapped by Django: no connection, no answer, statement_timeout
    db.InterfaceError,  # a connection already closed
    # Raised where Django does not wrap them; psycopg_pool's PoolTimeout is an OperationalError.
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

MESSAGES = {
    503: (
        _("Temporarily unavailable"),
        _("The service cannot reach its database right now. Please try again in a moment."),
    ),
    500: (
        _("Something went wrong"),
        _("An unexpected error stopped this page. It has been logged; please try again."),
    ),
}


def database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def error_response(request, status: int) -> HttpResponse:
    """The 503 or 500 answer to `request`, in its language, as a page, fragment or JSON."""
    with translation.override(translation.get_language_from_request(request)):
        title, message = (str(text) for text in MESSAGES[status])
        if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
            error = "unavailable" if status == 503 else "error"
            response = JsonResponse({"error": error, "message": message}, status=status)
        elif wants_fragment(request):
            context = {"status": status, "message": message, "after_write": request.method not in ("GET", "HEAD")}
            html = render_to_string("core/_error.html", context)
            response = HttpResponse(html, status=status)
        else:
            context = {
                "status": status,
                "title": title,
                "message": message,
                "SITE_NAME": branding.current().site_name,
                "BRANDING": branding.current(),
                # A link back to a page that could not be read; after a form, to the home page.
                # "//host/path" would be a link to another site, on a page with this one's name.
                "retry_url": escape_leading_slashes(request.get_full_path()) if request.method == "GET" else "/",
                "after_write": request.method not in ("GET", "HEAD"),
            }
            response = HttpResponse(render_to_string("error.html", context), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
