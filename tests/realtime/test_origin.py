"""Which pages may open the socket: the Origin's scheme, host and port must be those of an
allowed origin (SITE_URL, CSRF_TRUSTED_ORIGINS, or the socket's own address when its host
is allowed), in both entry points (config.asgi and config.asgi_live)."""

import asyncio

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from config.asgi import application as web_application
from config.asgi_live import application as live_application
from tests.factories import UserFactory
from tests.realtime.sockets import connect, session_cookie
from tests.servers import uvicorn_thread

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "http://127.0.0.1:8000"
APPLICATIONS = pytest.mark.parametrize("app", [web_application, live_application], ids=["web", "live"])


async def _accepted(app, origin: bytes | None) -> bool:
    """Whether the handshake is accepted (the unauthenticated socket is then closed with
    4401, which is not the question here)."""
    communicator, connected, _ = await connect([(b"origin", origin)] if origin is not None else [], app)
    await communicator.disconnect()
    return connected


async def _accepted_with_scheme(app, origin: bytes, *, host: bytes, scheme: str) -> bool:
    """As a server gives it: the Host header and the scheme (ws, or wss behind TLS)."""
    communicator = WebsocketCommunicator(app, "/ws/", headers=[(b"origin", origin), (b"host", host)])
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return connected


@APPLICATIONS
@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # wrong port
        b"http://127.0.0.1",  # wrong port: http's default, 80
        b"https://127.0.0.1",  # wrong scheme and port
        b"https://127.0.0.1:8000",  # wrong scheme
        b"ws://127.0.0.1:8000",  # not a page's scheme
        b"http://evil.example.net:8000",  # wrong host
        b"http://localhost:8000",  # an allowed host, but not the site's origin
        b"http://127.0.0.1.evil.example.net:8000",
        b"null",  # a sandboxed page, a file
        b"",
        b"http://127.0.0.1:notaport",
    ],
)
@override_settings(SITE_URL=SITE, CSRF_TRUSTED_ORIGINS=[])
async def test_an_origin_other_than_the_sites_is_refused(app, origin):
    assert not await _accepted(app, origin)


@APPLICATIONS
@override_settings(SITE_URL=SITE, CSRF_TRUSTED_ORIGINS=[])
async def test_a_socket_without_an_origin_is_refused(app):
    assert not await _accepted(app, None)


@APPLICATIONS
@override_settings(SITE_URL=SITE + "/", CSRF_TRUSTED_ORIGINS=[])
async def test_the_sites_own_origin_is_accepted(app):
    assert await _accepted(app, SITE.encode())
    assert await _accepted(app, b"HTTP://127.0.0.1:8000")


@pytest.mark.parametrize(
    ("site", "origin"),
    [
        ("https://social.example.com", b"https://social.example.com:443"),
        ("https://social.example.com:443/", b"https://social.example.com"),
        ("http://social.example.com", b"http://social.example.com:80"),
        ("http://social.example.com:80", b"http://social.example.com"),
    ],
)
async def test_default_ports_equal_explicit_ones(site, origin):
    with override_settings(SITE_URL=site, CSRF_TRUSTED_ORIGINS=[], ALLOWED_HOSTS=["social.example.com"]):
        assert await _accepted(web_application, origin)
        assert not await _accepted(web_application, origin.replace(b"social", b"other"))
        scheme = b"http" if origin.startswith(b"https") else b"https"
        assert not await _accepted(web_application, scheme + origin[origin.index(b":") :])


@override_settings(
    SITE_URL="https://social.example.com",
    CSRF_TRUSTED_ORIGINS=["https://intranet.example.com", "https://*.corp.example.com:8443"],
)
async def test_csrf_trusted_origins_are_accepted_with_their_scheme_and_port():
    assert await _accepted(web_application, b"https://intranet.example.com")
    assert await _accepted(web_application, b"https://intranet.example.com:443")
    assert not await _accepted(web_application, b"http://intranet.example.com")
    assert not await _accepted(web_application, b"https://intranet.example.com:8443")
    # A wildcard stands for subdomains, not for any scheme or port.
    assert await _accepted(web_application, b"https://eu.corp.example.com:8443")
    assert not await _accepted(web_application, b"https://eu.corp.example.com")
    assert not await _accepted(web_application, b"http://eu.corp.example.com:8443")
    assert not await _accepted(web_application, b"https://eu.corpexample.com:8443")


@override_settings(SITE_URL="https://social.example.com", CSRF_TRUSTED_ORIGINS=[], ALLOWED_HOSTS=["127.0.0.1"])
async def test_a_page_of_the_sockets_own_address_is_accepted_if_that_host_is_allowed():
    """A deployment reached at an address other than SITE_URL's (a port-forward, an
    intranet name): the page and its socket share one origin, as Django's CSRF check allows."""
    assert await _accepted_with_scheme(web_application, b"http://127.0.0.1:8123", host=b"127.0.0.1:8123", scheme="ws")
    assert await _accepted_with_scheme(web_application, b"https://127.0.0.1", host=b"127.0.0.1:443", scheme="wss")
    assert not await _accepted_with_scheme(
        web_application, b"http://127.0.0.1:9999", host=b"127.0.0.1:8123", scheme="ws"
    )
    assert not await _accepted_with_scheme(
        web_application, b"https://127.0.0.1:8123", host=b"127.0.0.1:8123", scheme="ws"
    )
    # DNS rebinding: the attacker's name points at the server, whose ALLOWED_HOSTS refuses it.
    assert not await _accepted_with_scheme(
        web_application, b"http://evil.example.net:8123", host=b"evil.example.net:8123", scheme="ws"
    )


async def test_the_live_process_on_its_own_port_accepts_the_pages_of_the_web_port():
    """As `make run` deploys it, over a real connection: pages from the web port, the
    socket on LIVE_PORT. The origin is the page's (SITE_URL), not the socket's."""
    user = await sync_to_async(UserFactory)()
    cookie = (await sync_to_async(session_cookie)(user)).decode()

    def serve():
        return uvicorn_thread(live_application, "live-origin-test")

    server = serve()
    host, port, _ = await asyncio.to_thread(server.__enter__)
    try:
        with override_settings(SITE_URL=f"http://{host}:8000"):
            url = f"ws://{host}:{port}/ws/"
            async with websockets.connect(
                url, origin=f"http://{host}:8000", additional_headers={"Cookie": cookie}
            ) as socket:
                assert '"type": "hello"' in await asyncio.wait_for(socket.recv(), 5)
            for origin in (f"http://{host}:9999", f"https://{host}:8000", f"https://{host}"):
                with pytest.raises(websockets.InvalidStatus) as refused:
                    async with websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}):
                        pass
                assert refused.value.response.status_code == 403
    finally:
        await asyncio.to_thread(server.__exit__, None, None, None)
