import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (the consumer does).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

# The web process queues tasks (by name, apps/core/queue.py): Celery is loaded now, before
# the freeze below, rather than in the first request that queues one (about 70 ms there).
# The apps' task modules stay where their first use loads them: the directory's would bring
# ldap3 and msal, the images' Pillow, into every web process (tests/directory/test_startup_imports.py).
import config.celery  # noqa: E402, F401
from apps.realtime.routing import websocket_application  # noqa: E402
from config.body_limit import BodySizeLimit  # noqa: E402

# Everything loaded so far (Django, the URL conf, templates' code) lives as long as the
# process: out of the garbage collector's sight, full collections stop walking it.
gc.freeze()

# uvicorn has no request body limit, and Django checks sizes only after it has received
# the whole body (uploads included): BodySizeLimit answers 413 past REQUEST_BODY_MAX_BYTES,
# whether Content-Length is declared, missing (chunked) or understated.
application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),
        "websocket": websocket_application(),
    }
)
