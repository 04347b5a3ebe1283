"""Importing personal contacts: the pages, the import task, re-imports, colleagues, privacy."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.directory.models import Contact, ContactImport, ImportState
from apps.profiles.models import Follow
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
FILES = Path(__file__).parent / "files"


@pytest.fixture
def me(client):
    user = ProfileFactory().user
    client.force_login(user)
    return user


def _upload(client, name, source, content=None):
    data = content if content is not None else (FILES / name).read_bytes()
    return client.post(
        "/contacts/import/", {"source": source, "file": SimpleUploadedFile(name, data, content_type="text/csv")}
    )


def test_an_outlook_export_is_imported_with_its_broken_rows_reported(client, me, celery_eager):
    colleague = ProfileFactory(user__email="jdupre@example.com").user
    response = _upload(client, "outlook_en.csv", "csv")
    job = ContactImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contacts/imports/{job.pk}/"
    assert job.state == ImportState.SUCCEEDED and job.payload == ""
    assert (job.total, job.created, job.updated, job.unchanged) == (4, 4, 0, 0)

    page = client.get(response["Location"]).content.decode()
    assert "4 contacts added" in page and "3 lines not imported" in page
    assert "Line 6: 27 columns where the header has 26." in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling

    jerome = Contact.objects.get(owner=me, key="jdupre@example.com")
    assert jerome.colleague == colleague
    listing = client.get("/contacts/").content.decode()
    assert "Hélène Lefèvre" in listing and "Works here: see the profile" in listing
    assert f'action="/people/{colleague.pk}/follow/"' in listing


def test_importing_again_updates_rather_than_duplicates(client, me, celery_eager):
    _upload(client, "outlook_en.csv", "csv")
    Contact.objects.filter(owner=me, key="helene.lefevre@contoso.example").update(job_title="Old title")

    _upload(client, "contacts.vcf", "vcard")

    second = ContactImport.objects.first()
    assert second.state == ImportState.SUCCEEDED
    assert (second.created, second.updated) == (1, 2)  # Zoë is new; Hélène and Ángel were there
    assert Contact.objects.filter(owner=me).count() == 5
    assert Contact.objects.get(owner=me, key="helene.lefevre@contoso.example").job_title == "Directrice financière"
    _upload(client, "contacts.vcf", "vcard")
    third = ContactImport.objects.first()
    assert (third.created, third.updated, third.unchanged) == (0, 0, 3)


def test_an_oversized_file_is_refused_with_the_limit(client, me, settings):
    settings.CONTACTS_UPLOAD_MAX_BYTES = 1000
    response = _upload(client, "big.csv", "csv", content=b"First Name,E-mail Address\n" + b"a,a@b.example\n" * 200)
    assert response.status_code == 400
    assert "This file is 2.8\xa0KB: the limit is 1000\xa0bytes." in response.content.decode()
    assert not ContactImport.objects.exists()


def test_a_binary_or_mislabelled_file_is_refused(client, me):
    response = _upload(client, "photo.csv", "csv", content=b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert response.status_code == 400 and "This is not a text file" in response.content.decode()
    response = _upload(client, "cards.txt", "vcard", content=b"just text")
    assert response.status_code == 400 and "No card found" in response.content.decode()
    response = client.post("/contacts/import/", {"source": "csv"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not ContactImport.objects.exists()


def test_a_queued_import_is_run_by_the_next_sweep(client, me, celery_eager, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.directory.tasks import schedule

    job = ContactImport.objects.create(owner=me, source="csv", payload="E-mail Address\nsomeone@partner.example\n")
    ContactImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    schedule()
    job.refresh_from_db()
    assert job.state == ImportState.SUCCEEDED and job.created == 1


def test_contacts_are_their_owners_alone(client, me, celery_eager):
    other = ProfileFactory().user
    theirs = Contact.objects.create(owner=other, key="secret@partner.example", name="Secret Canary", source="csv")
    their_import = ContactImport.objects.create(owner=other, source="csv", filename="canary.csv",
                                                state=ImportState.SUCCEEDED)  # fmt: skip
    assert "Secret Canary" not in client.get("/contacts/").content.decode()
    assert client.get(f"/contacts/imports/{their_import.pk}/").status_code == 404
    assert client.post(f"/contacts/{theirs.pk}/delete/").status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()
    # Nor do administrators read them.
    admin = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    client.force_login(admin)
    assert client.get(f"/contacts/imports/{their_import.pk}/").status_code == 404
    assert "Secret Canary" not in client.get("/contacts/").content.decode()


def test_removing_a_contact(client, me):
    contact = Contact.objects.create(owner=me, key="x@partner.example", name="Partner Person", source="csv")
    response = client.post(f"/contacts/{contact.pk}/delete/", follow=True)
    assert "Partner Person is no longer in your contacts." in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize("count", [1, 20])
def test_the_contact_list_runs_a_constant_number_of_queries(client, me, count):
    colleagues = [ProfileFactory().user for _ in range(count)]
    for index, colleague in enumerate(colleagues):
        Contact.objects.create(owner=me, key=colleague.email, name=f"Contact {index}", emails=[colleague.email],
                               source="csv", colleague=colleague, sort_name=f"contact {index:02}")  # fmt: skip
    Follow.objects.create(follower=me, followee=colleagues[0])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/contacts/")
    assert response.status_code == 200
    contact_queries = [q for q in queries.captured_queries if "directory_contact" in q["sql"]]
    assert len(contact_queries) == 2  # the page of contacts, the recent imports
    assert len(queries.captured_queries) == QUERIES_FOR_THE_CONTACTS_PAGE
    page = response.content.decode()
    assert page.count('name="action" value="follow"') == count - 1


QUERIES_FOR_THE_CONTACTS_PAGE = 4  # session, user, the page of contacts, the recent imports


def test_a_nul_byte_anywhere_in_the_file_is_refused(client, me):
    content = b"First Name,E-mail Address\n" + b"a,a@b.example\n" * 400 + b"bad\x00row,x@y.example\n"
    response = _upload(client, "export.csv", "csv", content=content)
    assert response.status_code == 400 and "This is not a text file" in response.content.decode()
    assert not ContactImport.objects.exists()


def test_an_import_that_fails_unexpectedly_ends_failed_and_imports_nothing(client, me, celery_eager, monkeypatch):
    from apps.directory.services import contacts as services

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "contacts_upsert", broken)
    _upload(client, "outlook_en.csv", "csv")
    job = ContactImport.objects.get()
    assert job.state == ImportState.FAILED and job.payload == ""
    assert job.message == "The import failed unexpectedly: nothing was imported."
    assert not Contact.objects.exists()


def _csv(count: int) -> str:
    return "First Name,Last Name,E-mail Address\n" + "".join(
        f"Person,Number {n},person.{n}@partner.example\n" for n in range(count)
    )


def _left_by_a_dead_worker(job, **progress):
    """What a worker killed mid-import leaves: running, its lease over."""
    from datetime import timedelta

    from django.utils import timezone

    ContactImport.objects.filter(pk=job.pk).update(
        state=ImportState.RUNNING, lease_owner="gone-host:4242:0", lease_until=timezone.now() - timedelta(seconds=1),
        attempts=1, **progress,
    )  # fmt: skip


def test_an_import_left_by_a_dead_worker_says_so_and_the_sweep_resumes_it_after_its_last_batch(
    client, me, celery_eager
):
    from apps.directory import contact_files
    from apps.directory.services.contacts import PROGRESS_EVERY, contacts_upsert
    from apps.directory.tasks import schedule

    text = _csv(PROGRESS_EVERY * 2 + 7)
    job = ContactImport.objects.create(owner=me, source="csv", state=ImportState.QUEUED, payload=text)
    parsed, _errors = contact_files.parse_csv(text)
    contacts_upsert(owner=me, parsed=parsed[:PROGRESS_EVERY], source="csv")  # its first batch, committed
    _left_by_a_dead_worker(job, total=len(parsed), done=PROGRESS_EVERY, created=PROGRESS_EVERY)
    page = client.get(f"/contacts/imports/{job.pk}/").content.decode()
    assert "interrupted, resuming…" in page and "resumes the import where it stopped" in page
    assert 'hx-trigger="every 1s"' in page  # the page goes on following it
    schedule()
    job.refresh_from_db()
    assert job.state == ImportState.SUCCEEDED and job.payload == "" and job.attempts == 2
    assert (job.total, job.done, job.created, job.updated, job.unchanged) == (
        len(parsed),
        len(parsed),
        len(parsed),
        0,
        0,
    )
    assert Contact.objects.filter(owner=me).count() == len(parsed)
    assert not job.lease_owner and job.lease_until is None


def test_an_import_whose_worker_is_alive_is_left_to_it(me):
    from datetime import timedelta

    from django.utils import timezone

    from apps.directory.tasks import contact_import

    job = ContactImport.objects.create(
        owner=me, source="csv", state=ImportState.RUNNING, payload=_csv(3), attempts=1,
        lease_owner="other-host:1:x", lease_until=timezone.now() + timedelta(seconds=60),
    )  # fmt: skip
    assert contact_import(job.pk) == ImportState.RUNNING
    job.refresh_from_db()
    assert job.lease_owner == "other-host:1:x" and job.attempts == 1 and not Contact.objects.exists()
    assert job.state_label == "running"


def test_an_import_interrupted_three_times_fails_and_says_why(client, me):
    from apps.directory.tasks import contact_import

    job = ContactImport.objects.create(owner=me, source="csv", state=ImportState.QUEUED, payload=_csv(3))
    _left_by_a_dead_worker(job)
    ContactImport.objects.filter(pk=job.pk).update(attempts=3)
    assert contact_import(job.pk) == ImportState.FAILED
    job.refresh_from_db()
    assert job.payload == "" and "interrupted 3 times" in job.message and not job.lease_owner
    assert 'hx-trigger="every 1s"' not in client.get(f"/contacts/imports/{job.pk}/").content.decode()


def test_the_admins_user_deletion_page_does_not_show_contact_names(client, me):
    Contact.objects.create(owner=me, key="x@partner.example", name="Canary Contact Name", source="csv")
    admin = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{me.pk}/delete/").content.decode()
    assert "Contact #" in page and "Canary Contact Name" not in page


def test_removing_all_of_ones_contacts_leaves_everyone_elses(client, me):
    other = ProfileFactory().user
    Contact.objects.create(owner=me, key="a@partner.example", name="A", source="csv")
    Contact.objects.create(owner=me, key="b@partner.example", name="B", source="csv")
    Contact.objects.create(owner=other, key="c@partner.example", name="C", source="csv")
    response = client.post("/contacts/delete-all/", follow=True)
    assert "Your 2 contacts were removed." in response.content.decode()
    assert list(Contact.objects.values_list("owner_id", flat=True)) == [other.pk]


def test_an_upload_stands_when_the_broker_is_down_and_the_sweep_imports_it(client, me, monkeypatch, celery_eager):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from apps.directory.tasks import contact_import_task, schedule

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(contact_import_task, "apply_async", broker_down)
        response = _upload(client, "outlook_fr.csv", "csv")
    job = ContactImport.objects.get()
    assert response.status_code == 302 and job.state == ImportState.QUEUED
    ContactImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    schedule()
    job.refresh_from_db()
    assert job.state == ImportState.SUCCEEDED and job.created == 2
