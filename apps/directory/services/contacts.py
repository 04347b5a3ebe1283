"""Employees' personal contacts: imports (files now, Exchange through the same path), upserts,
and the link to colleagues with the same address."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import lease
from apps.core.queue import enqueue_on_commit, task_named
from apps.core.text import fold
from apps.directory import contact_files, exchange
from apps.directory.models import Contact, ContactImport, ContactSource, ImportState

# Read the employee's own mailbox, never another: the mailbox is the owner's address.
SERVER_READERS = {ContactSource.GRAPH: exchange.graph_contacts, ContactSource.EWS: exchange.ews_contacts}
SERVER_CONFIGURED = {ContactSource.GRAPH: exchange.graph_configured, ContactSource.EWS: exchange.ews_configured}
logger = logging.getLogger(__name__)
FILE_PARSERS = {ContactSource.CSV: contact_files.parse_csv, ContactSource.VCARD: contact_files.parse_vcard}
PROGRESS_EVERY = 500  # contacts written (and committed, with the progress) at a time
# An import whose worker died this often (a file that kills it each time?) fails instead.
MAX_ATTEMPTS = 3
FIELDS = ("name", "first_name", "last_name", "emails", "phones", "company", "job_title", "department", "colleague_id")


def contact_import_start(*, actor, source: str, upload=None) -> ContactImport:
    """Check the file (or that Exchange is configured) and queue the import; the page
    follows its progress."""
    if source in SERVER_READERS:
        if not SERVER_CONFIGURED[source]():
            raise ValidationError(_("This Exchange import is not configured here: ask your administrator."))
        return _queue(ContactImport(owner=actor, source=source))
    if source not in FILE_PARSERS:
        raise ValidationError(_("Choose a CSV or vCard file."))
    if upload is None:
        raise ValidationError(_("Choose a file to import."))
    if upload.size > settings.CONTACTS_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("This file is %(size)s: the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.CONTACTS_UPLOAD_MAX_BYTES)}
        )
    data = upload.read(settings.CONTACTS_UPLOAD_MAX_BYTES + 1)
    if b"\x00" in data:
        raise ValidationError(_("This is not a text file: export your contacts as CSV or vCard."))
    text = contact_files.decode_upload(data)
    if source == ContactSource.VCARD and "BEGIN:VCARD" not in text.upper():
        raise ValidationError(_("No card found: is this a vCard (.vcf) file?"))
    return _queue(ContactImport(owner=actor, source=source, filename=(upload.name or "")[:255], payload=text))


def _queue(job: ContactImport) -> ContactImport:
    with transaction.atomic():
        job.state = ImportState.QUEUED
        job.save()
        # With the broker down the import still stands: beat's sweep queues it later.
        enqueue_on_commit("directory.contact_import", job.pk)
    return job


def contact_import_run(*, import_id: int) -> ContactImport | None:
    """Parse and upsert, in batches that each commit with the import's progress: a worker
    killed mid-way leaves an import that the next holder of its lease (the task delivered
    again, or beat's sweep) resumes after the last batch written, without doubles. A task
    that finds the import finished, or held by a live worker, leaves it."""
    owner = lease.new_owner()
    job = _take(import_id, owner)
    if job is None:
        return ContactImport.objects.filter(pk=import_id).defer("payload").first()
    state, message = ImportState.SUCCEEDED, ""
    try:
        with lease.Heartbeat(ContactImport, job.pk, owner) as heartbeat:
            _import(job, owner, heartbeat)
    except lease.LeaseLost:
        return job  # another worker took it over: it finishes it
    except ValidationError as error:
        state, message = ImportState.FAILED, " ".join(error.messages)
    except exchange.ExchangeError as error:
        state, message = ImportState.FAILED, str(error)
    except Exception:
        # Whatever went wrong, the page stops waiting and the file's text does not linger.
        logger.exception("contact import %s failed", job.pk)
        job.refresh_from_db(fields=["done", "total"])
        state, message = ImportState.FAILED, _failure_message(job)
    # The end is written only by the lease's holder: a worker taken over writes nothing.
    lease.lease_release(
        ContactImport, job.pk, owner, state=state, message=message, payload="", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _take(import_id: int, owner: str) -> ContactImport | None:
    """The import, with its lease taken: a waiting one, or a running one whose worker is gone
    (its lease expired, or its process no longer exists). One interrupted too often (a file
    that kills the worker each time) fails instead."""
    current = ContactImport.objects.filter(pk=import_id).only("state", "lease_owner", "attempts").first()
    if current is None or current.state not in (ImportState.QUEUED, ImportState.RUNNING):
        return None
    gone = current.lease_owner if current.lease_owner and lease.holder_is_gone(current.lease_owner) else ""
    takeable = ContactImport.objects.filter(state__in=(ImportState.QUEUED, ImportState.RUNNING))
    if current.attempts >= MAX_ATTEMPTS:
        message = _("The import was interrupted %(count)d times: please import the file again, or a smaller one.")
        takeable.filter(lease.expired() | Q(lease_owner=gone or None), pk=import_id).update(
            state=ImportState.FAILED, payload="", finished_at=timezone.now(), lease_owner="", lease_until=None,
            message=message % {"count": current.attempts},
        )  # fmt: skip
        return None
    if not lease.lease_take(
        takeable, import_id, owner, current_owner=gone, state=ImportState.RUNNING, attempts=F("attempts") + 1
    ):
        return None
    return ContactImport.objects.select_related("owner").get(pk=import_id)


def _import(job: ContactImport, owner: str, heartbeat: lease.Heartbeat) -> None:
    if job.source in SERVER_READERS:
        contacts, errors = contact_files.normalise(SERVER_READERS[job.source](mailbox=job.owner.email))
    else:
        contacts, errors = FILE_PARSERS[job.source](job.payload)
    if len(contacts) > settings.CONTACTS_MAX_PER_IMPORT:
        raise ValidationError(
            _("%(count)d contacts: the limit is %(limit)d per import.")
            % {"count": len(contacts), "limit": settings.CONTACTS_MAX_PER_IMPORT}
        )
    by_key = {}
    for contact in contacts:  # the last of the same key wins, as a later row in the file would
        by_key[contact.key] = contact
    unique = list(by_key.values())
    if job.source in SERVER_READERS and job.done:
        # A mailbox read again may list other contacts than the first time: start over (the
        # upsert is idempotent; what the interrupted attempt wrote counts as unchanged).
        job.done = job.created = job.updated = job.unchanged = 0
    # A file parses the same each time: resume after the last batch written.
    counts = {"done": job.done, "created": job.created, "updated": job.updated, "unchanged": job.unchanged}
    lease.lease_renew(
        ContactImport, job.pk, owner, total=len(unique), updated_at=timezone.now(), **counts,
        errors=[{"line": e.line, "reason": e.reason} for e in errors][:1000],
    )  # fmt: skip
    for start in range(job.done, len(unique), PROGRESS_EVERY):
        heartbeat.check()
        batch = unique[start : start + PROGRESS_EVERY]
        with transaction.atomic():  # the batch and the progress that says it is done, together
            created, updated, unchanged = contacts_upsert(owner=job.owner, parsed=batch, source=job.source)
            counts = {"done": start + len(batch), "created": counts["created"] + created,
                      "updated": counts["updated"] + updated, "unchanged": counts["unchanged"] + unchanged}  # fmt: skip
            lease.lease_renew(ContactImport, job.pk, owner, updated_at=timezone.now(), **counts)


def _failure_message(job: ContactImport) -> str:
    if not job.done:
        return _("The import failed unexpectedly: nothing was imported.")
    return _(
        "The import failed unexpectedly after %(done)d of %(total)d contacts: import the file again for the rest."
    ) % {
        "done": job.done,
        "total": job.total,
    }


def _colleagues(emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(email), id FROM accounts_user WHERE is_active AND lower(email) = ANY(%s)", [sorted(emails)]
        )
        return dict(cursor.fetchall())


def contacts_upsert(*, owner, parsed: list, source: str) -> tuple[int, int, int]:
    """Create what is new, update what changed, leave the rest (one statement for each);
    `parsed` has one contact per key. Idempotent: done again, it finds everything unchanged.
    Returns (created, updated, unchanged)."""
    existing = {c.key: c for c in Contact.objects.filter(owner=owner, key__in=[c.key for c in parsed])}
    colleagues = _colleagues({email for contact in parsed for email in contact.emails})
    created, changed = [], []
    unchanged = 0
    for contact in parsed:
        colleague_id = next(
            (colleagues[e] for e in contact.emails if e in colleagues and colleagues[e] != owner.pk), None
        )
        values = {
            "name": contact.name, "first_name": contact.first_name, "last_name": contact.last_name,
            "emails": contact.emails, "phones": contact.phones, "company": contact.company,
            "job_title": contact.job_title, "department": contact.department, "colleague_id": colleague_id,
        }  # fmt: skip
        current = existing.get(contact.key)
        if current is None:
            created.append(
                Contact(owner=owner, key=contact.key, source=source, sort_name=fold(contact.name)[:200], **values)
            )
        elif any(getattr(current, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(current, name, value)
            current.sort_name, current.source, current.updated_at = fold(contact.name)[:200], source, timezone.now()
            changed.append(current)
        else:
            unchanged += 1
    # Another import of the same owner may have created some of these meanwhile: theirs stand.
    Contact.objects.bulk_create(created, ignore_conflicts=True)
    Contact.objects.bulk_update(changed, [*FIELDS, "sort_name", "source", "updated_at"])
    return len(created), len(changed), unchanged


def contact_delete(*, actor, contact: Contact) -> None:
    if contact.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner deletes a contact."))
    contact.delete()


def contacts_delete_all(*, actor) -> int:
    return Contact.objects.filter(owner=actor).delete()[0]


def contact_imports_resume(*, now) -> list[int]:
    """Imports left running by a worker that stopped (their lease expired): beat's sweep
    queues them again, and the task resumes them. Each message expires before the next
    sweep's: with no worker for an hour, one waits, not sixty."""
    ids = list(ContactImport.objects.filter(lease.expired(now), state=ImportState.RUNNING).values_list("pk", flat=True))
    for import_id in ids:
        task_named("directory.contact_import").apply_async((import_id,), expires=55)
    return ids
