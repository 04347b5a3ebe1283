"""A request body size limit for the ASGI server, whatever Content-Length says.

uvicorn has no body limit of its own, and Django's checks come only after it has
received the whole body (its ASGI handler spools it to disk first) and never cap
uploaded files. This middleware answers 413 at once when the declared Content-Length
is past settings.REQUEST_BODY_MAX_BYTES, otherwise as soon as the bytes received
(chunked, or more than declared) go past it.
"""

from django.conf import settings


def _too_large_message(max_bytes: int) -> bytes:
    return f"Request body too large: the limit is {max_bytes / (1024 * 1024):.1f} MB.".encode()


def _declared_too_large(headers, max_bytes: int) -> bool:
    """True when a Content-Length header is larger than the limit or is not a plain non-negative integer."""
    for name, value in headers:
        if name.lower() != b"content-length":
            continue
        value = value.strip()
        if not value.isdigit() or int(value) > max_bytes:
            return True
    return False


class BodySizeLimit:
    """Pure ASGI middleware: HTTP request bodies past max_bytes get a 413 response.

    With max_bytes None, settings.REQUEST_BODY_MAX_BYTES is read on each request.
    WebSocket and lifespan scopes pass through untouched.
    """

    def __init__(self, app, max_bytes: int | None = None):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.max_bytes if self.max_bytes is not None else settings.REQUEST_BODY_MAX_BYTES

        if _declared_too_large(scope.get("headers") or (), max_bytes):
            # The body is never read: with "Expect: 100-continue" the client is not even asked for it.
            await self._send_413(send, max_bytes)
            return

        received = 0
        exceeded = False
        response_started = False

        async def limited_receive():
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # The application is told the client went away: Django's ASGIHandler then
                    # drops the request without running the view, and the 413 is ours to send.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            # Django's RequestAborted, or whatever else the disconnect caused.
            if not exceeded or response_started:
                raise
        if exceeded and not response_started:
            await self._send_413(send, max_bytes)

    @staticmethod
    async def _send_413(send, max_bytes: int) -> None:
        body = _too_large_message(max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    (b"x-body-limit", str(max_bytes).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
