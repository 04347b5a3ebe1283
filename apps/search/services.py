"""Reading the text of documents attached to posts, so that search finds what they say.

The worker sweeps for documents it has not read yet (`extract_pending`, every minute from
beat): a file's name is searchable when its post commits (migration 0001), its text within
a minute or so. A sweep rather than a task queued by the upload, because the feeds app does
not know search exists (docs/architecture.md, the layers), and a sweep also catches up by
itself after the broker or the worker was down: nothing is missed, nothing waits forever.

Each document is claimed before it is read (a FileText row, PENDING, whose `updated_at` is
a lease), so two workers never read the same file; one whose worker died while reading it
is tried again after LEASE, and given up at its MAX_ATTEMPTS-th claim (a file that kills
its reader three times is not read a fourth). Reading happens in a capped child process
(apps/search/extraction.py): a broken, encrypted or hostile file is logged and skipped,
and never fails the upload or the worker."""

import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from apps.feeds.models import Attachment
from apps.search import extraction
from apps.search.models import Extraction, FileText

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # well over what one file may take (extraction.TIMEOUT)
MAX_ATTEMPTS = 3
SWEEP_LIMIT = 50  # documents per sweep
SWEEP_SECONDS = 45.0  # a sweep takes no new document after this: the next one follows in a minute


def _readable_names() -> Q:
    wanted = Q()
    for extension in extraction.SUPPORTED:
        wanted |= Q(name__iendswith=extension)
    return wanted


def pending_documents(limit: int = SWEEP_LIMIT) -> list[int]:
    """Documents never read, newest first (what people are most likely to look for), then
    those whose reader died and whose lease ran out."""
    never = (
        Attachment.objects.filter(_readable_names(), is_image=False)
        .filter(~Exists(FileText.objects.filter(attachment=OuterRef("pk"))))
        .order_by("-id")
        .values_list("pk", flat=True)[:limit]
    )
    # Every attempt count: at the last one, the claim marks the document given up.
    stale = FileText.objects.filter(status=Extraction.PENDING, updated_at__lt=timezone.now() - LEASE).values_list(
        "attachment_id", flat=True
    )[:limit]
    return [*never, *stale][:limit]


def _claim(attachment_id: int) -> bool:
    """Whether this process may read the document now (and has marked it as being read)."""
    try:
        with transaction.atomic():
            FileText.objects.create(attachment_id=attachment_id, status=Extraction.PENDING, attempts=1)
            return True
    except IntegrityError:  # someone else made the row first, or the attachment is gone
        pass
    lease_over = timezone.now() - LEASE
    claimed = FileText.objects.filter(
        attachment_id=attachment_id,
        status=Extraction.PENDING,
        updated_at__lt=lease_over,
        attempts__lt=MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    if claimed:
        return True
    # Its last reader died at its last allowed attempt: given up, said once.
    given_up = FileText.objects.filter(
        attachment_id=attachment_id, status=Extraction.PENDING, updated_at__lt=lease_over
    ).update(status=Extraction.BROKEN)
    if given_up:
        logger.warning("Gave up reading the text of attachment #%s after %s attempts", attachment_id, MAX_ATTEMPTS)
    return False


def extract_document(attachment_id: int) -> str:
    """Read one document's text if it is ours to read; its status (or "skipped")."""
    if not _claim(attachment_id):
        return "skipped"
    attachment = Attachment.objects.filter(pk=attachment_id).only("pk", "name", "file").first()
    if attachment is None:
        return "skipped"
    try:
        with _local_copy(attachment.file) as path:
            found = extraction.extract_text(path, attachment.name) if path else None
    except OSError as error:  # the stored file is gone, or no child could start
        logger.warning("Could not read attachment #%s (%s): %s", attachment_id, attachment.name, error)
        found = None
    status = found.status if found else Extraction.BROKEN
    text = found.text if found and found.status == Extraction.OK else ""
    try:
        with transaction.atomic():
            FileText.objects.filter(attachment_id=attachment_id).update(
                status=status, text=text, updated_at=timezone.now()
            )
    except DatabaseError as error:  # a text PostgreSQL cannot index (over a tsvector's 1 MB)
        logger.warning("Could not index the text of attachment #%s: %s", attachment_id, error)
        status = Extraction.BROKEN
        FileText.objects.filter(attachment_id=attachment_id).update(status=status, text="", updated_at=timezone.now())
    return status


@contextmanager
def _local_copy(name: str):
    """A path to the stored file on this machine: the file itself on a disk storage, else a
    temporary copy (an object store) removed afterwards. None if it cannot be read."""
    try:
        local = default_storage.path(name)
    except NotImplementedError:
        local = None
    if local:
        yield local
        return
    temporary = None
    try:
        with default_storage.open(name, "rb") as source:
            handle, temporary = tempfile.mkstemp(suffix=os.path.splitext(name)[1])
            with os.fdopen(handle, "wb") as copy:
                shutil.copyfileobj(source, copy, 1024 * 1024)
    except OSError as error:
        logger.warning("Could not read the stored file %s: %s", name, error)
        temporary = None
    try:
        yield temporary
    finally:
        if temporary:
            os.unlink(temporary)


def extract_pending(*, limit: int = SWEEP_LIMIT, seconds: float = SWEEP_SECONDS) -> int:
    """Read the documents waiting, until `limit` or `seconds`; how many were read."""
    started = time.monotonic()
    done = 0
    for attachment_id in pending_documents(limit):
        if time.monotonic() - started > seconds:
            break
        try:
            if extract_document(attachment_id) != "skipped":
                done += 1
        except Exception:  # one document's trouble never stops the sweep for the others
            logger.exception("Reading the text of attachment #%s failed", attachment_id)
    return done
