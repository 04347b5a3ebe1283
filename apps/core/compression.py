"""Compressed pages: Django's GZipMiddleware, which pads each compressed response with random
bytes (Django 4.2+, "Heal The Breach") so that a secret in a page (the CSRF token) cannot be
guessed from the compressed length (BREACH).

Only text is compressed: an attachment, an avatar or a thumbnail (JPEG, PNG, WebP, a PDF, a
zip) is already compressed, and gzipping it again would only cost CPU (and, for a streamed
download, hold the Content-Length back)."""

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        # A partial answer (206) counts the bytes of the file as it is: gzipped, they lie.
        if response.status_code == 206 or not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
