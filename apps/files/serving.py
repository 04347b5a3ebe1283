"""Serving a stored file to someone the calling view has just checked may read it."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified

from apps.core.models import FileState


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


def attached_file_response(request, item, *, tag: str, thumbnail: bool = False):
    """An `AttachedFile` the view has checked the visitor may read: an image we re-encoded
    (WebP) is shown inline; any other file, whatever it claims to be, is only a download,
    and so is the original of an image still pending or that could not be processed."""
    inline = item.is_image and item.state == FileState.READY
    if thumbnail:
        if not inline or not item.thumbnail:
            raise Http404
        name, etag = item.thumbnail, f'"{tag}t{item.pk}"'
    else:
        # The ETag changes with the state: a download of the original is not the WebP.
        name, etag = item.file, f'"{tag}{item.pk}"' if inline else f'"{tag}{item.pk}-{item.state}"'
    content_type = "image/webp" if inline else "application/octet-stream"
    return file_response(request, name, etag=etag, content_type=content_type, download_name=item.name, inline=inline)
