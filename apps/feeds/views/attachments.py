"""A post's attached files and their thumbnails, served to those who may read the post."""

from apps.feeds.models import Attachment
from apps.files.views import attachment_views

attachment_download, attachment_thumbnail = attachment_views(Attachment, tag="a")
