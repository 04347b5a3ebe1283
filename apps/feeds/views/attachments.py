"""A post's attached files and their thumbnails, served to those who may read the post."""

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from apps.feeds.models import Attachment
from apps.files.serving import attached_file_response


def _attachment(request, attachment_id) -> Attachment:
    # Checked on every request: losing access to the post loses access to its files.
    return get_object_or_404(Attachment.objects.visible_to(request.user), pk=attachment_id)


@require_GET
def attachment_download(request, attachment_id, name=None):
    return attached_file_response(request, _attachment(request, attachment_id), tag="a")


@require_GET
def attachment_thumbnail(request, attachment_id):
    return attached_file_response(request, _attachment(request, attachment_id), tag="a", thumbnail=True)
