from django.db import models


class TimeStampedModel(models.Model):
    """created_at / updated_at for every domain table (keyset pagination sorts on created_at, id)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AttachedFile(models.Model):
    """A file attached to something (a post, a message). Images are re-encoded (`file` is
    WebP, with a `thumbnail`); other files are stored as uploaded and only ever served as
    downloads (apps/feeds/attachments.py prepares them, apps/core/files.py serves them)."""

    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    file = models.CharField(max_length=300)
    is_image = models.BooleanField(default=False)
    thumbnail = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.name
