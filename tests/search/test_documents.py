"""The text of attached documents: read by the worker's sweep, then found by search."""

import logging
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.feeds.services import post_create
from apps.search import services
from apps.search.models import Extraction, FileText
from apps.search.query import parse
from apps.search.selectors import content
from tests.factories import ProfileFactory
from tests.search import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return ProfileFactory().user


def _upload(path, name=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _files_found(viewer, query: str) -> list[str]:
    page = content.file_hits(viewer=viewer, parsed=parse(query), filters=content.Filters(), as_of=timezone.now())
    return [hit.item.name for hit in page.items]


def test_a_documents_name_is_found_at_once_and_its_text_after_the_sweep(author, tmp_path):
    document = samples.docx_file(tmp_path, ["Le budget prévisionnel des réunions d'équipe"])
    post_create(actor=author, community=None, body="See attached", uploads=[_upload(document, "Plan_2027-v2.docx")])
    assert _files_found(author, "plan") == ["Plan_2027-v2.docx"]  # by its name's parts
    assert _files_found(author, "previsionnel") == []  # not read yet

    assert services.extract_pending() == 1
    assert FileText.objects.get().status == Extraction.OK
    assert _files_found(author, "prévisionnels") == ["Plan_2027-v2.docx"]
    hit = content.file_hits(
        viewer=author, parsed=parse("budget"), filters=content.Filters(), as_of=timezone.now()
    ).items[0]
    assert "budget" in hit.text
    assert services.extract_pending() == 0  # read once


def test_every_supported_format_is_read(author, tmp_path):
    made = [
        samples.pdf(tmp_path, ["Quarterly figures zephyrword"]),
        samples.xlsx_file(tmp_path, {"Sheet": [["zephyrword", 12]]}),
        samples.pptx_file(tmp_path, [("Title", "zephyrword slide")]),
        samples.odt_file(tmp_path, "Heading", ["zephyrword paragraph"]),
        samples.text_file(tmp_path, "zephyrword in plain text", "utf-8"),
    ]
    for path in made:
        post_create(actor=author, community=None, body=f"File {path.suffix}", uploads=[_upload(path)])
    assert services.extract_pending() == len(made)
    assert sorted(_files_found(author, "zephyrword")) == sorted(path.name for path in made)


def test_a_broken_file_is_logged_and_skipped_and_the_upload_stands(author, tmp_path, caplog):
    broken = tmp_path / "report.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    post = post_create(actor=author, community=None, body="Broken attached", uploads=[_upload(broken)])
    assert post.attachments.count() == 1
    with caplog.at_level(logging.WARNING):
        assert services.extract_pending() == 1
    row = FileText.objects.get()
    assert row.status == Extraction.BROKEN and row.text == ""
    assert "report.pdf" in caplog.text
    assert _files_found(author, "report") == ["report.pdf"]  # still found by its name


def test_a_document_whose_reader_died_is_read_again_then_given_up(author, tmp_path):
    document = samples.text_file(tmp_path, "kept words", "utf-8")
    post = post_create(actor=author, community=None, body="x", uploads=[_upload(document)])
    attachment = post.attachments.get()
    # A reader claimed it and died: the claim's lease has not run out yet.
    FileText.objects.create(attachment=attachment, status=Extraction.PENDING, attempts=1)
    assert services.extract_pending() == 0
    FileText.objects.update(updated_at=timezone.now() - services.LEASE - timedelta(seconds=1))
    assert services.extract_pending() == 1
    assert FileText.objects.get().status == Extraction.OK
    # A file that killed its reader every time is given up at its last attempt.
    FileText.objects.update(
        status=Extraction.PENDING,
        attempts=services.MAX_ATTEMPTS,
        updated_at=timezone.now() - services.LEASE - timedelta(seconds=1),
    )
    assert services.extract_document(attachment.pk) == "skipped"
    assert FileText.objects.get().status == Extraction.BROKEN


def test_images_and_unknown_files_are_not_read(author, tmp_path):
    other = tmp_path / "archive.zip"
    other.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip archive: accepted, not read
    post_create(actor=author, community=None, body="x", uploads=[_upload(other)])
    assert services.pending_documents() == []
