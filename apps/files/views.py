"""The views that serve attached files: one pair (the file, its thumbnail) for each model
of attached files (a post's, a message's), each checking the model's `visible_to` on every
request, so that losing access to what a file is attached to loses access to the file."""

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from apps.files.serving import attached_file_response


def attachment_views(model, *, tag: str):
    """(download, thumbnail) views of `model`'s files; `tag` keeps their ETags apart."""

    def _readable(request, attachment_id):
        return get_object_or_404(model.objects.visible_to(request.user), pk=attachment_id)

    @require_GET
    def download(request, attachment_id, name=None):
        return attached_file_response(request, _readable(request, attachment_id), tag=tag)

    @require_GET
    def thumbnail(request, attachment_id):
        return attached_file_response(request, _readable(request, attachment_id), tag=tag, thumbnail=True)

    return download, thumbnail
