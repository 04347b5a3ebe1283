"""Employees' personal contacts: imports (files now, Exchange through the same path), upserts,
and the link to colleagues with the same address."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.queue import enqueue_on_commit
from apps.core.text import fold
from apps.directory import contact_files, exchange
from apps.directory.models import Contact, ContactImport, ContactSource, ImportState

# Read the employee's own mailbox, never another: the mailbox is the owner's address.
SERVER_READERS = {ContactSource.GRAPH: exchange.graph_contacts, ContactSource.EWS: exchange.ews_contacts}
SERVER_CONFIGURED = {ContactSource.GRAPH: exchange.graph_configured, ContactSource.EWS: exchange.ews_configured}
logger = logging.getLogger(__name__)
FILE_PARSERS = {ContactSource.CSV: contact_files.parse_csv, ContactSource.VCARD: contact_files.parse_vcard}
PROGRESS_EVERY = 500
STUCK_AFTER = timedelta(minutes=15)
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
    from apps.directory.tasks import contact_import_task

    with transaction.atomic():
        job.state = ImportState.QUEUED
        job.save()
        # With the broker down the import still stands: beat's sweep queues it later.
        enqueue_on_commit(contact_import_task, job.pk)
    return job


def contact_import_run(*, import_id: int) -> ContactImport | None:
    """Parse and upsert; running it twice does no harm (the second finds it finished)."""
    with transaction.atomic():
        job = ContactImport.objects.select_for_update(skip_locked=True).filter(pk=import_id).first()
        if job is None or job.state != ImportState.QUEUED:
            return job  # finished, or another worker has it
        job.state = ImportState.RUNNING
        job.save(update_fields=["state", "updated_at"])
    try:
        if job.source in SERVER_READERS:
            contacts, errors = contact_files.normalise(SERVER_READERS[job.source](mailbox=job.owner.email))
        else:
            contacts, errors = FILE_PARSERS[job.source](job.payload)
        if len(contacts) > settings.CONTACTS_MAX_PER_IMPORT:
            raise ValidationError(
                _("%(count)d contacts: the limit is %(limit)d per import.")
                % {"count": len(contacts), "limit": settings.CONTACTS_MAX_PER_IMPORT}
            )
        job.total, job.errors = len(contacts), [{"line": e.line, "reason": e.reason} for e in errors][:1000]
        job.save(update_fields=["total", "errors", "updated_at"])
        with transaction.atomic():  # all or nothing: a failure leaves the address book as it was
            contacts_upsert(owner=job.owner, parsed=contacts, source=job.source, job=job)
        job.state = ImportState.SUCCEEDED
    except ValidationError as error:
        job.state, job.message = ImportState.FAILED, " ".join(error.messages)
    except exchange.ExchangeError as error:
        job.state, job.message = ImportState.FAILED, str(error)
    except Exception:
        # Whatever went wrong, the page stops waiting and the file's text does not linger.
        logger.exception("contact import %s failed", job.pk)
        job.state, job.message = ImportState.FAILED, _("The import failed unexpectedly: nothing was imported.")
    job.payload, job.finished_at = "", timezone.now()
    job.save()
    return job


def _colleagues(emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(email), id FROM accounts_user WHERE is_active AND lower(email) = ANY(%s)", [sorted(emails)]
        )
        return dict(cursor.fetchall())


def contacts_upsert(*, owner, parsed: list, source: str, job: ContactImport | None = None) -> None:
    """Create what is new, update what changed, leave the rest; one statement per batch."""
    by_key = {}
    for contact in parsed:  # the last of the same key wins, as a later row in the file would
        by_key[contact.key] = contact
    existing = {c.key: c for c in Contact.objects.filter(owner=owner, key__in=list(by_key))}
    colleagues = _colleagues({email for contact in by_key.values() for email in contact.emails})
    created, changed = [], []
    unchanged = 0
    for key, contact in by_key.items():
        colleague_id = next(
            (colleagues[e] for e in contact.emails if e in colleagues and colleagues[e] != owner.pk), None
        )
        values = {
            "name": contact.name, "first_name": contact.first_name, "last_name": contact.last_name,
            "emails": contact.emails, "phones": contact.phones, "company": contact.company,
            "job_title": contact.job_title, "department": contact.department, "colleague_id": colleague_id,
        }  # fmt: skip
        current = existing.get(key)
        if current is None:
            created.append(Contact(owner=owner, key=key, source=source, sort_name=fold(contact.name)[:200], **values))
        elif any(getattr(current, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(current, name, value)
            current.sort_name, current.source, current.updated_at = fold(contact.name)[:200], source, timezone.now()
            changed.append(current)
        else:
            unchanged += 1
    done = unchanged
    for start in range(0, max(len(created), len(changed)), PROGRESS_EVERY):
        Contact.objects.bulk_create(created[start : start + PROGRESS_EVERY])
        Contact.objects.bulk_update(
            changed[start : start + PROGRESS_EVERY], [*FIELDS, "sort_name", "source", "updated_at"]
        )
        done += len(created[start : start + PROGRESS_EVERY]) + len(changed[start : start + PROGRESS_EVERY])
        if job is not None:
            ContactImport.objects.filter(pk=job.pk).update(done=done, updated_at=timezone.now())
    if job is not None:
        job.done, job.created, job.updated, job.unchanged = len(by_key), len(created), len(changed), unchanged
        job.total = len(by_key)


def contact_delete(*, actor, contact: Contact) -> None:
    if contact.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner deletes a contact."))
    contact.delete()


def contacts_delete_all(*, actor) -> int:
    return Contact.objects.filter(owner=actor).delete()[0]


def contact_imports_unstick(*, now) -> int:
    """Imports left running by a worker that stopped (nothing moved for 15 minutes) fail, so
    that their page stops waiting; their file's text goes."""
    return ContactImport.objects.filter(state=ImportState.RUNNING, updated_at__lt=now - STUCK_AFTER).update(
        state=ImportState.FAILED,
        payload="",
        finished_at=now,
        message=_("The import was interrupted: please import the file again."),
    )
