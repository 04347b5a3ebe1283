"""What search keeps of its own: the text read out of attached documents.

Everything else search finds is indexed where it is written: the apps' own tables carry a
`search_document` column that PostgreSQL computes from the row itself (migration 0001), so
a post is searchable when its transaction commits, and an edit, a deletion or a bulk update
can never leave a stale entry behind. A document's text is the exception, because reading
it takes seconds and happens in the worker after the upload (apps/search/tasks.py)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func

from apps.feeds.models import Attachment


class SearchDocument(Func):
    """search_document(text): the folded text's English and French stems (migration 0001)."""

    function = "search_document"
    output_field = SearchVectorField()


class Extraction(models.TextChoices):
    PENDING = "pending"
    OK = "ok"
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    ENCRYPTED = "encrypted"
    BROKEN = "broken"
    TIMEOUT = "timeout"


class FileText(models.Model):
    """The text of a document attached to a post, once the worker has read it. Who may
    find it is who may read its post: `Attachment.objects.visible_to`."""

    attachment = models.OneToOneField(Attachment, on_delete=models.CASCADE, primary_key=True, related_name="+")
    status = models.CharField(max_length=12, choices=Extraction.choices, default=Extraction.PENDING)
    text = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    document = models.GeneratedField(
        expression=SearchDocument(F("text")), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        indexes = [GinIndex(fields=["document"], name="search_filetext_gin")]

    def __str__(self):
        return f"text of attachment #{self.attachment_id}"
