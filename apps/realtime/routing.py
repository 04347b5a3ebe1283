from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from apps.realtime.auth import SessionUserMiddleware
from apps.realtime.consumers import RealtimeConsumer

websocket_urlpatterns = [path("ws/", RealtimeConsumer.as_asgi())]


def websocket_application():
    """/ws/ as both the web process (config.asgi) and the live process (config.asgi_live)
    serve it: only from an allowed Origin, with the session's user."""
    return AllowedHostsOriginValidator(SessionUserMiddleware(URLRouter(websocket_urlpatterns)))
