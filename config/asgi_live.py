"""The live process: the /ws/ WebSocket and nothing else.

`make run` and docker-compose start it beside the web processes, and the reverse proxy
sends /ws/ to it (LIVE_URL when the page must reach it elsewhere). It loads the models
and the consumer, not the pages: no URL conf, views, templates' tags, Celery or admin
modules, so that a process holding thousands of idle sockets stays small, and a web
deployment or a slow page never drops nor delays a socket. The web process still serves
/ws/ too (config.asgi), for a deployment that runs only it."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter  # noqa: E402

from apps.realtime.routing import websocket_application  # noqa: E402

# As in config.asgi: what is loaded now lives as long as the process.
gc.freeze()

NOT_HERE = b"This server only holds the live WebSocket at /ws/.\n"


async def http_application(scope, receive, send):
    """Health checks get 200 at /healthz; any other page is the web process's: 404."""
    status = 200 if scope["path"] == "/healthz" else 404
    body = b"ok\n" if status == 200 else NOT_HERE
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application()})
