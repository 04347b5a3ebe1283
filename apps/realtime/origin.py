"""Which pages may open the socket: those whose Origin is, scheme, host and port, one of
the site's origins. A browser sends a site's cookies with a socket opened by any page, so
without this any other site (or another port of the same host) could read the person's
events. Channels' AllowedHostsOriginValidator compares the host alone.

The allowed origins, read from the settings at each handshake (they are few):
- SITE_URL's: the pages' address, also when the live process listens on a port of its own;
- CSRF_TRUSTED_ORIGINS (a leading `*.` stands for any subdomain, as in Django's check);
- the socket's own address, when its host is in ALLOWED_HOSTS: the page and its socket on
  one origin, as Django's CSRF check accepts a form posted to its own address.
A port left out is its scheme's default (http 80, https 443), so both spellings are equal."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
# The socket's own scheme, as the scheme of the page on the same address.
PAGE_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) address, the port filled in; None if it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _own_origin(scope) -> tuple[str, str, int] | None:
    """The socket's own address as a page's origin, if its Host is an allowed one."""
    host = _header(scope, b"host")
    if not host or not validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
        return None
    scheme = PAGE_SCHEMES.get(scope.get("scheme", "ws"), "http")
    # Behind a TLS proxy that the pages trust (SECURE_PROXY_SSL_HEADER), so does the socket.
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        forwarded = _header(scope, name.removeprefix("HTTP_").replace("_", "-").lower().encode())
        if forwarded is not None and forwarded.split(",")[0].strip() == secure_value:
            scheme = "https"
    return origin_of(f"{scheme}://{host}")


def _trusted(origin: tuple[str, str, int], pattern: str) -> bool:
    wildcard = "://*." in pattern
    allowed = origin_of(pattern.replace("://*.", "://", 1) if wildcard else pattern)
    if allowed is None:
        return False
    scheme, host, port = origin
    if wildcard:
        # As in Django's CSRF check: the domain itself and its subdomains.
        return (scheme, port) == (allowed[0], allowed[2]) and (host == allowed[1] or host.endswith("." + allowed[1]))
    return origin == allowed


def origin_allowed(scope) -> bool:
    sent = _header(scope, b"origin")
    origin = origin_of(sent) if sent else None
    if origin is None:
        return False
    if origin == origin_of(settings.SITE_URL) or origin == _own_origin(scope):
        return True
    return any(_trusted(origin, pattern) for pattern in settings.CSRF_TRUSTED_ORIGINS)


class SiteOriginValidator:
    """Refuses the handshake (HTTP 403) unless the Origin is one of the site's."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
