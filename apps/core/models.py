from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """created_at / updated_at for every domain table (keyset pagination sorts on created_at, id)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class FileState(models.TextChoices):
    READY = "ready", _("Ready")
    # An image too large to decode during the request: its original is stored (`file`,
    # served only as a download) until the worker has re-encoded it.
    PENDING = "pending", _("Being prepared")
    # The worker could not read it: the original stays a download, never shown inline.
    FAILED = "failed", _("Could not be processed")


class AttachedFile(models.Model):
    """A file attached to something (a post, a message). Images are re-encoded (`file` is
    WebP, with a `thumbnail`); other files are stored as uploaded and only ever served as
    downloads (apps/files/attachments.py prepares them, apps/files/serving.py serves them).
    Large images are re-encoded by the worker after the upload (`state`)."""

    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    file = models.CharField(max_length=300)
    is_image = models.BooleanField(default=False)
    thumbnail = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=8, choices=FileState.choices, default=FileState.READY)
    # A pending image's lease: whoever claims it (its task, or the sweep once this has
    # passed) has it until then. `attempts` counts the claims: a worker that died on it
    # three times marks it failed rather than dying on it forever.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.name
