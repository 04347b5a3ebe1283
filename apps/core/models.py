from django.db import models


class TimeStampedModel(models.Model):
    """created_at / updated_at for every domain table (keyset pagination sorts on created_at, id)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
