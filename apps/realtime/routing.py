from channels.routing import URLRouter
from django.urls import path

from apps.realtime.auth import SessionUserMiddleware
from apps.realtime.consumers import RealtimeConsumer
from apps.realtime.origin import SiteOriginValidator

websocket_urlpatterns = [path("ws/", RealtimeConsumer.as_asgi())]


def websocket_application():
    """/ws/ as both the web process (config.asgi) and the live process (config.asgi_live)
    serve it: only from a page of the site's own origin (scheme, host and port), with the
    session's user."""
    return SiteOriginValidator(SessionUserMiddleware(URLRouter(websocket_urlpatterns)))
