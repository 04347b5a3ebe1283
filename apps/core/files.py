"""Serving a stored file to someone the calling view has just checked may read it."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified


def file_response(request, name: str, *, etag: str, content_type: str, download_name: str, inline: bool):
    # no-cache: the browser asks again each time, and this view checks access again; a
    # file never changes, so a reader still allowed gets a 304 without the bytes.
    headers = {"Cache-Control": "private, no-cache", "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        try:
            handle = default_storage.open(name)
        except FileNotFoundError as error:
            raise Http404 from error
        response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=download_name)
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    for header, value in headers.items():
        response[header] = value
    return response
