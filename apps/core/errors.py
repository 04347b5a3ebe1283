"""The error pages for what a request asked wrongly: 400, 403, 404, 405 and a failed CSRF check.

Each is a page in the site's layout (templates/errors/page.html) that says what happened in
plain words and offers a way back: the home page always, the page the person came from after
a 405 or a CSRF failure, the sign-in page when an anonymous visitor is refused. htmx gets a
fragment, JSON callers JSON.

A 404 says the same whatever the reason: content that is private and content that does not
exist answer byte for byte the same page, so nothing here reads the exception or the path.
The 500 and 503 pages, which must not need the database, are apps/core/unavailable.py.

`ErrorPages` (in MIDDLEWARE) gives a page to the empty 405 that Django answers for a method a
view does not take (require_POST, require_http_methods), keeping its status and Allow header.
"""

from urllib.parse import urlencode, urlsplit

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django.utils.http import escape_leading_slashes, url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from apps.core.htmx import wants_fragment

# kind -> (status, title, message, icon, JSON error code)
ERRORS = {
    "400": (
        400,
        _("Bad request"),
        _("The server could not understand this request. Check the address, or go back and try again."),
        "exclamation-triangle",
        "bad_request",
    ),
    "403": (
        403,
        _("Access denied"),
        _("You do not have permission to see this page or to do this."),
        "shield-lock",
        "forbidden",
    ),
    "404": (
        404,
        _("Page not found"),
        _("This page does not exist, or you do not have access to it. Check the address or start again from home."),
        "signpost-split",
        "not_found",
    ),
    "405": (
        405,
        _("This address cannot be opened this way"),
        _(
            "This address answers a button or a form on the site, not a visit from a link or the address "
            "bar. Go back to the page you came from and use it there."
        ),
        "slash-circle",
        "method_not_allowed",
    ),
    "csrf": (
        403,
        _("Your session expired"),
        _(
            "Your session expired or the form was open too long, so it was not sent. Reload the page and try "
            "again. If it happens again, check that your browser accepts cookies from this site."
        ),
        "hourglass-split",
        "csrf_failed",
    ),
}

# Which pages offer "go back" (to the page the person came from) and "sign in" (to anonymous visitors).
GO_BACK = {"405", "csrf"}
SIGN_IN = {"403", "csrf"}


def wants_json(request) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _back_url(request) -> str:
    """The page the request came from, when it is on this site and not this very address."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    path = parts.path or "/"
    if path == request.path and request.method == "GET":
        return ""
    # "//host/path" would lead to another site.
    return escape_leading_slashes(path + (f"?{parts.query}" if parts.query else ""))


def _sign_in_url(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return ""
    login = resolve_url(settings.LOGIN_URL)
    if request.method == "GET" and request.path != login:
        return f"{login}?{urlencode({'next': request.get_full_path()})}"
    return login


class _AsTheLayoutSeesIt:
    """The request as the site's layout sees it on an error page: without its address (the
    language form's `next` leads home instead of repeating what was asked, which may name
    something private) and without a route (nothing in the navigation is the current page).
    So the page depends on the kind of error and on who asks, never on what was asked."""

    resolver_match = None

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        return getattr(self._request, name)

    def get_full_path(self):
        return "/"


def error_response(request, kind: str) -> HttpResponse:
    """The answer for `kind` (a key of ERRORS) to `request`: a page, an htmx fragment or JSON."""
    status, title, message, icon, code = ERRORS[kind]
    if wants_json(request):
        return JsonResponse({"error": code, "message": str(message)}, status=status)
    # The language form returns home, not to the address asked for: an error page never
    # repeats that address (a private file's name in it, say).
    context = {"status": status, "kind": kind, "title": title, "message": message, "language_next": "/"}
    if wants_fragment(request):
        return HttpResponse(render_to_string("errors/_fragment.html", context), status=status)
    context.update(
        icon=icon,
        back_url=_back_url(request) if kind in GO_BACK else "",
        sign_in_url=_sign_in_url(request) if kind in SIGN_IN else "",
        request=_AsTheLayoutSeesIt(request),
    )
    return render(request, "errors/page.html", context, status=status)


def _needs_page(request, response) -> bool:
    return (
        response.status_code == 405
        and not getattr(response, "streaming", False)
        and not response.content
        and request.headers.get("HX-Request") != "true"
        and not wants_json(request)
    )


def _give_page(request, response):
    page = error_response(request, "405")
    response.content = page.content
    response["Content-Type"] = page["Content-Type"]
    return response


class ErrorPages:
    """A page for Django's empty 405 (a GET on an address that only takes a form), for people:
    htmx and JSON callers keep the empty answer. The status and the Allow header stay.
    Sync and async, and async without a thread hop except to render that page, so that
    SyncMiddlewareChain (below it) stays what decides how the chain runs."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        response = self.get_response(request)
        return _give_page(request, response) if _needs_page(request, response) else response

    async def __acall__(self, request):
        response = await self.get_response(request)
        if _needs_page(request, response):
            return await sync_to_async(_give_page, thread_sensitive=True)(request, response)
        return response
