"""A post's attached files (apps/files/attachments.py, through feeds' post_create): images
re-encoded to WebP with a thumbnail, other files stored as uploaded, clean names, and every
limit (count, size, emptiness, kind, a fake image) refused with a clear message, nothing stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.feeds.models import Attachment, Post
from apps.feeds.services import post_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def create(actor, community=None, body="Hello", **kwargs) -> Post:
    return post_create(actor=actor, community=community, body=body, **kwargs)


def messages_of(error: ValidationError) -> dict | list:
    return error.message_dict if hasattr(error, "error_dict") else error.messages


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


def test_an_image_is_reencoded_to_webp_with_a_thumbnail(anna, png, media):
    post = create(anna, None, "Look", uploads=[png("Holiday.PNG", size=(2100, 300))])
    attachment = Attachment.objects.get(post=post)
    assert (attachment.name, attachment.content_type, attachment.is_image) == ("Holiday.webp", "image/webp", True)
    assert (attachment.width, attachment.height) == (2048, 293)
    assert attachment.file.startswith(f"attachments/{post.pk}/")
    with default_storage.open(attachment.file) as handle:
        data = handle.read()
        full = Image.open(io.BytesIO(data))
        assert (full.format, full.size) == ("WEBP", (2048, 293))
    assert attachment.size == len(data)
    with default_storage.open(attachment.thumbnail) as handle:
        thumbnail = Image.open(handle)
        assert (thumbnail.format, thumbnail.size) == ("WEBP", (640, 91))
    assert stored_files(media) == sorted([attachment.file, attachment.thumbnail])


@pytest.mark.parametrize("fmt", ["JPEG", "GIF", "WEBP"])
def test_other_image_formats_are_reencoded_too(anna, fmt):
    extension = {"JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}[fmt]
    post = create(anna, None, "Look", uploads=[upload(f"pic.{extension}", image_bytes(fmt))])
    attachment = post.attachments.get()
    assert (attachment.name, attachment.is_image, attachment.width, attachment.height) == ("pic.webp", True, 40, 30)
    with default_storage.open(attachment.file) as handle:
        assert Image.open(handle).format == "WEBP"


def test_a_non_image_is_stored_as_uploaded(anna, media):
    data = b"%PDF-1.4 quarterly report"
    post = create(anna, None, "Report", uploads=[upload("Q3 report.pdf", data, "application/pdf")])
    attachment = post.attachments.get()
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "Q3 report.pdf",
        "application/pdf",
        len(data),
    )
    assert (attachment.is_image, attachment.thumbnail, attachment.width) == (False, "", None)
    with default_storage.open(attachment.file) as handle:
        assert handle.read() == data
    assert stored_files(media) == [attachment.file]


def test_attachments_keep_their_order_and_a_clean_name(anna, png):
    post = create(
        anna,
        None,
        "Files",
        uploads=[upload("../../etc/notes.txt", b"notes"), png("b.png"), upload("C:\\Users\\x\\data.csv", b"a,b")],
    )
    rows = list(post.attachments.values_list("name", "position", "is_image"))
    assert rows == [("notes.txt", 0, False), ("b.webp", 1, True), ("data.csv", 2, False)]
    for attachment in post.attachments.all():
        assert attachment.file.startswith(f"attachments/{post.pk}/")


def test_too_many_files(anna, settings, media):
    settings.ATTACHMENT_MAX_COUNT = 2
    with pytest.raises(ValidationError) as error:
        create(anna, None, "Files", uploads=[upload(f"f{i}.txt", b"x") for i in range(3)])
    assert messages_of(error.value) == ["At most 2 files per post."]
    assert not Post.objects.exists()
    assert stored_files(media) == []


def test_too_large_a_file(anna, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as error:
        create(anna, None, "Files", uploads=[upload("big.pdf", b"x" * (5 * 1024 * 1024 // 2))])
    # In the units of the composer's help text (filesizeformat: binary, non-breaking space).
    assert messages_of(error.value) == ["big.pdf is 2.5\xa0MB; the limit is 1.0\xa0MB."]
    assert stored_files(media) == []


def test_an_empty_file_is_refused(anna):
    with pytest.raises(ValidationError) as error:
        create(anna, None, "Files", uploads=[upload("empty.txt", b"")])
    assert messages_of(error.value) == ["empty.txt is empty."]


@pytest.mark.parametrize("name", ["drawing.svg", "page.html", "setup.exe", "page.HTM", "noextension"])
def test_disallowed_extensions(anna, name, media):
    with pytest.raises(ValidationError) as error:
        create(anna, None, "Files", uploads=[upload(name, b"<svg onload=alert(1)>")])
    (message,) = messages_of(error.value)
    assert message.startswith(f"{name}: this kind of file is not accepted. Accepted: ")
    accepted = message.split("Accepted: ")[1].rstrip(".").split(", ")
    assert "pdf" in accepted and "png" in accepted
    assert not {"svg", "html", "htm", "exe", ""} & set(accepted)
    assert not Post.objects.exists()
    assert stored_files(media) == []


def test_a_fake_image_is_refused_with_a_clear_message(anna, media):
    with pytest.raises(ValidationError) as error:
        create(anna, None, "Look", uploads=[upload("photo.png", b"<html><script>alert(1)</script></html>")])
    assert messages_of(error.value) == ["photo.png is not an image we can read (JPEG, PNG, WebP or GIF)."]
    assert not Post.objects.exists()
    assert stored_files(media) == []


def test_an_image_of_another_format_under_an_image_name_is_refused(anna):
    with pytest.raises(ValidationError) as error:
        create(anna, None, "Look", uploads=[upload("photo.jpg", image_bytes("BMP"))])
    assert messages_of(error.value) == ["photo.jpg: not an image we can show."]


def test_nothing_is_stored_when_one_file_is_bad_and_every_problem_is_listed(anna, png, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as error:
        create(
            anna,
            None,
            "Files",
            uploads=[upload("good.txt", b"fine"), upload("evil.svg", b"<svg/>"), upload("huge.txt", b"x" * 5000)],
        )
    assert messages_of(error.value)[0].startswith("evil.svg: this kind of file is not accepted.")
    assert messages_of(error.value)[1] == "huge.txt is 4.9\xa0KB; the limit is 1000\xa0bytes."
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
