"""The worker's half of attached images: re-encoding those a request left pending
(attachments.py), for posts and messages alike.

A pending image is claimed before it is worked on (`claimed_until` is a lease), so its task,
a second delivery of that task and the sweep never work on it at once, and whichever comes
second finds nothing to do. It is decoded in a capped child (apps/files/images.py): a hostile
image kills the child, never the worker. An image the child cannot read ends `failed` at
once. One whose child died (timed out, killed) is tried again after RETRY_AFTER, and fails at
its third claim; so does one on which the worker itself died three times: nothing is picked
up forever.
"""

import logging
import time
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.models import FileState
from apps.files import images
from apps.files.attachments import MAX_PIXELS, RENDERINGS, delete_files, rendered_file

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # well over what a child may take (images.TIMEOUT)
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 3
SWEEP_LIMIT = 20  # images per sweep
SWEEP_SECONDS = 45.0  # a sweep stops taking new images after this: the next one follows in a minute

READY, FAILED, RETRY, SKIPPED = "ready", "failed", "retry", "skipped"


def _claim(model, pk: int) -> bool:
    # Never claimed yet (its own task), or its lease has run out (the sweep, a retry).
    now = timezone.now()
    lease_over = Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
    claimable = model.objects.filter(pk=pk, state=FileState.PENDING).filter(Q(attempts=0) | lease_over)
    return claimable.update(attempts=F("attempts") + 1, claimed_until=now + LEASE) == 1


def _locked(model, pk: int, owner: str):
    """The pending row, locked after its owner (the post or message), in the order that the
    owner's own writes take them (a message's deletion locks it, then its files); None if
    either is gone or the row is no longer pending."""
    item = model.objects.filter(pk=pk).values_list(f"{owner}_id", flat=True).first()
    if item is None:
        return None
    owner_model = model._meta.get_field(owner).related_model
    owner_row = owner_model.objects.select_for_update().filter(pk=item).first()
    row = model.objects.select_for_update().filter(pk=pk, state=FileState.PENDING).first()
    if owner_row is None or row is None:
        return None
    setattr(row, owner, owner_row)
    return row


def _store_rendered(model, pk: int, owner: str, announce, original: str, prepared) -> str:
    folder = original.rpartition("/")[0]
    names = [
        default_storage.save(f"{folder}/file", ContentFile(prepared.data)),
        default_storage.save(f"{folder}/thumbnail.webp", ContentFile(prepared.thumbnail)),
    ]
    try:
        with transaction.atomic():
            row = _locked(model, pk, owner)
            if row is None:
                # Deleted while it was being decoded (a message, a community): nothing to show.
                transaction.on_commit(lambda: delete_files(names))
                return SKIPPED
            row.file, row.thumbnail = names
            row.name, row.content_type, row.size = prepared.name, prepared.content_type, prepared.size
            row.width, row.height = prepared.width, prepared.height
            row.state, row.claimed_until = FileState.READY, None
            row.save(
                update_fields=[
                    "file", "thumbnail", "name", "content_type", "size", "width", "height", "state", "claimed_until"
                ]
            )  # fmt: skip
            transaction.on_commit(lambda: delete_files([original]))
            announce(row)
    except Exception:
        delete_files(names)
        raise
    return READY


def _fail(model, pk: int, owner: str, announce, reason: str) -> str:
    logger.warning("%s #%s could not be processed: %s", model._meta.label, pk, reason)
    with transaction.atomic():
        row = _locked(model, pk, owner)
        if row is None:
            return SKIPPED
        # The original stays, served only as a download (apps/files/serving.py).
        row.state, row.claimed_until = FileState.FAILED, None
        row.save(update_fields=["state", "claimed_until"])
        announce(row)
    return FAILED


def process_pending(model, pk: int, *, owner: str, announce) -> str:
    """Re-encode one pending image of `model` (an AttachedFile whose `owner` is its post or
    message); `announce(row)` tells its readers, on commit, that it is ready or failed.
    Idempotent: returns READY, FAILED, RETRY (left for the sweep) or SKIPPED (nothing to do)."""
    if not _claim(model, pk):
        return SKIPPED
    item = model.objects.filter(pk=pk).only("file", "name", "attempts").first()
    if item is None:
        return SKIPPED
    if item.attempts > MAX_ATTEMPTS:
        return _fail(model, pk, owner, announce, f"claimed {MAX_ATTEMPTS} times without an answer")
    try:
        with default_storage.open(item.file) as original:
            # A worker process runs one task at a time: its slots are free, or about to be.
            rendered = images.render(original, RENDERINGS, max_pixels=MAX_PIXELS, wait=images.TIMEOUT)
    except FileNotFoundError:
        return _fail(model, pk, owner, announce, "its original is missing")
    except images.UnreadableImage as error:
        return _fail(model, pk, owner, announce, str(error))
    except images.RenderFailed as error:
        if item.attempts >= MAX_ATTEMPTS:
            return _fail(model, pk, owner, announce, str(error))
        logger.warning("%s #%s will be tried again: %s", model._meta.label, pk, error)
        model.objects.filter(pk=pk, state=FileState.PENDING).update(claimed_until=timezone.now() + RETRY_AFTER)
        return RETRY
    return _store_rendered(model, pk, owner, announce, item.file, rendered_file(item.name, rendered))


def sweep_pending(model, *, owner: str, announce, limit: int = SWEEP_LIMIT, seconds: float = SWEEP_SECONDS) -> int:
    """Beat: the pending images no task took in time (the broker was down when they were
    posted, or the worker died on them). Returns how many were finished (ready or failed)."""
    due = (
        model.objects.filter(state=FileState.PENDING)
        .filter(Q(claimed_until__lt=timezone.now()) | Q(claimed_until__isnull=True))
        .order_by("claimed_until")
        .values_list("pk", flat=True)
    )
    deadline = time.monotonic() + seconds
    finished = 0
    for pk in list(due[:limit]):
        if time.monotonic() > deadline:
            break
        try:
            finished += process_pending(model, pk, owner=owner, announce=announce) in (READY, FAILED)
        except Exception:
            logger.exception("%s #%s not processed", model._meta.label, pk)
    return finished
