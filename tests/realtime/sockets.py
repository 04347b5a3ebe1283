"""A signed-in browser tab's socket, through the real ASGI application, for the tests."""

from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

# The pages' origin (SITE_URL's): the only one a socket without a Host header is accepted from.
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(settings.SITE_URL)).encode()


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def connect(headers, app=application):
    communicator = WebsocketCommunicator(app, "/ws/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def open_socket(user, app=application):
    """(the socket, its greeting) for `user`, from an allowed origin."""
    cookie = await sync_to_async(session_cookie)(user)
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)], app)
    assert connected
    return communicator, await communicator.receive_json_from(timeout=5)
