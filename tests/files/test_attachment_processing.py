"""Images too large to decode during the request: stored as uploaded, shown as a placeholder,
re-encoded by the worker (apps/files/processing.py), for posts and messages.

Nothing is lost: a broker that is down leaves the image to the sweep; a child that gives
no answer is tried again; a malformed image or one the worker died on ends "could not be
processed", a download, never a crash loop. Readers are told when it is ready."""

import io
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.core.models import FileState
from apps.feeds import tasks
from apps.feeds.models import Attachment, Kind, Post
from apps.feeds.services import post_create, post_delete
from apps.files import attachments, images, processing
from apps.messaging import services as messaging
from apps.messaging import tasks as messaging_tasks
from apps.messaging.models import MessageAttachment
from config.celery import app as celery_app
from tests.image_files import broken_png_bytes, huge_png, image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(media):
    return media


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued after commit, as (task name, args)."""
    calls = []
    for task in (tasks.process_attachment_task, messaging_tasks.process_attachment_task):
        monkeypatch.setattr(
            task, "apply_async", lambda args, task=task, **options: calls.append((task.name, tuple(args)))
        )
    return calls


def pending_post(author, django_capture_on_commit_callbacks, *uploads, community=None):
    with django_capture_on_commit_callbacks(execute=True):
        return post_create(actor=author, community=community, body="Poster", uploads=list(uploads or [huge_png()]))


def webp_size(name: str) -> tuple[int, int]:
    with default_storage.open(name) as handle, Image.open(handle) as image:
        assert image.format == "WEBP"
        return image.size


def card(client, post) -> str:
    return client.get(reverse("feeds:card", args=[post.pk])).content.decode()


# ---------------------------------------------------------------- the path of a large image


def test_a_large_image_waits_for_the_worker_then_is_shown(
    anna, queued, sent, client, django_capture_on_commit_callbacks
):
    post = pending_post(anna, django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get(post=post)
    assert (attachment.state, attachment.name, attachment.thumbnail) == (FileState.PENDING, "poster.png", "")
    assert attachment.file.endswith("/original")
    assert queued == [("feeds.process_attachment", (attachment.pk,))]
    client.force_login(anna)
    html = card(client, post)
    assert "Preparing the image…" in html and f"/attachments/{attachment.pk}/thumbnail/" not in html
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.process_attachment(attachment.pk) == processing.READY

    attachment.refresh_from_db()
    assert (attachment.state, attachment.name, attachment.content_type) == (
        FileState.READY,
        "poster.webp",
        "image/webp",
    )
    assert (attachment.width, attachment.height) == (2048, 2048)
    assert webp_size(attachment.file) == (2048, 2048) and webp_size(attachment.thumbnail) == (640, 640)
    with default_storage.open(attachment.file) as handle:
        assert attachment.size == len(handle.read())
    assert not default_storage.exists(attachment.file.rpartition("/")[0] + "/original"), "the original is kept"
    assert sent == [("company.all", {"type": "post.updated", "post": post.pk, "community": None, "author": anna.pk})]
    html = card(client, post)
    assert "Preparing the image…" not in html and f"/attachments/{attachment.pk}/thumbnail/" in html
    thumbnail = client.get(reverse("feeds:thumbnail", args=[attachment.pk]))
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/webp")


def test_processing_again_does_nothing(anna, queued, sent, django_capture_on_commit_callbacks):
    post = pending_post(anna, django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get(post=post)
    assert tasks.process_attachment(attachment.pk) == processing.READY
    attachment.refresh_from_db()
    assert tasks.process_attachment(attachment.pk) == processing.SKIPPED
    assert tasks.process_attachment(attachment.pk + 1000) == processing.SKIPPED
    again = Attachment.objects.get(pk=attachment.pk)
    assert (again.file, again.thumbnail, again.attempts) == (attachment.file, attachment.thumbnail, 1)


def test_a_pending_image_is_only_a_download_until_ready_and_only_for_its_readers(
    anna, bob, carol, private, queued, django_capture_on_commit_callbacks
):
    post = pending_post(anna, django_capture_on_commit_callbacks, huge_png("secret.png"), community=private)
    attachment = Attachment.objects.get(post=post)
    member, outsider = Client(), Client()
    member.force_login(bob)
    outsider.force_login(carol)
    assert member.get(reverse("feeds:thumbnail", args=[attachment.pk])).status_code == 404
    download = member.get(reverse("feeds:download", args=[attachment.pk, attachment.name]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    for url in (
        reverse("feeds:download", args=[attachment.pk, attachment.name]),
        reverse("feeds:thumbnail", args=[attachment.pk]),
    ):
        assert outsider.get(url).status_code == 404
    # Its ETag is not the one the re-encoded image will have: no stale 304 once it is ready.
    etag = download["ETag"]
    tasks.process_attachment(attachment.pk)
    shown = member.get(reverse("feeds:download", args=[attachment.pk, "x"]), HTTP_IF_NONE_MATCH=etag)
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/webp")


def test_the_shares_of_a_post_show_its_image_once_ready_each_to_its_own_audience(
    anna, bob, carol, public, queued, sent, client, django_capture_on_commit_callbacks
):
    """A share's card shows its original's images: it changes when they become ready, for
    the pages that show the share (its own audience) as for those showing the original."""
    post = pending_post(anna, django_capture_on_commit_callbacks)
    in_community = post_create(actor=bob, community=public, body="", kind=Kind.SHARE, shared_post=post)
    company_wide = post_create(actor=carol, community=None, body="", kind=Kind.SHARE, shared_post=post)
    deleted = post_create(actor=carol, community=None, body="", kind=Kind.SHARE, shared_post=post)
    post_delete(actor=carol, post=deleted)
    attachment = Attachment.objects.get(post=post)
    before = {share.pk: share.updated_at for share in Post.objects.filter(shared_post=post)}
    client.force_login(bob)
    assert "Preparing the image…" in card(client, in_community)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.process_attachment(attachment.pk) == processing.READY

    updated = {payload["post"]: group for group, payload in sent if payload["type"] == "post.updated"}
    assert updated == {
        post.pk: "company.all",
        in_community.pk: f"community.{public.pk}",
        company_wide.pk: "company.all",
    }
    after = {share.pk: share.updated_at for share in Post.objects.filter(shared_post=post)}
    assert after[in_community.pk] > before[in_community.pk] and after[company_wide.pk] > before[company_wide.pk]
    assert after[deleted.pk] == before[deleted.pk]
    html = card(client, in_community)
    assert "Preparing the image…" not in html and f"/attachments/{attachment.pk}/thumbnail/" in html


def test_a_share_of_an_image_that_failed_shows_it_as_a_download(
    anna, bob, public, queued, sent, django_capture_on_commit_callbacks
):
    post = pending_post(anna, django_capture_on_commit_callbacks, upload(broken_png_bytes(), "broken.png"))
    share = post_create(actor=bob, community=public, body="", kind=Kind.SHARE, shared_post=post)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.process_attachment(Attachment.objects.get(post=post).pk) == processing.FAILED
    assert (
        f"community.{public.pk}",
        {"type": "post.updated", "post": share.pk, "community": public.pk, "author": bob.pk},
    ) in sent


# ---------------------------------------------------------------- what cameras and editors write


def mpo_upload(name="photo.jpg", size=(4000, 3000)):
    """A phone's JPEG with a second picture in its MPF segment (an HDR gain map, a depth
    map): Pillow calls it MPO. Red, the second picture blue."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (200, 150), (0, 0, 255))], quality=90
    )
    return upload(buffer.getvalue(), name, "image/jpeg")


def colour_of(name: str, at=(5, 5)) -> tuple:
    with default_storage.open(name) as handle, Image.open(handle) as image:
        return image.convert("RGB").getpixel(at)


def near(pixel, expected, tolerance=8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def test_a_phones_multi_picture_jpeg_is_accepted_and_shows_its_first_picture(
    anna, queued, django_capture_on_commit_callbacks
):
    small = post_create(actor=anna, community=None, body="Small", uploads=[mpo_upload(size=(1600, 1200))])
    ready = Attachment.objects.get(post=small)
    assert (ready.state, ready.width, ready.height) == (FileState.READY, 1600, 1200)
    assert near(colour_of(ready.thumbnail), (200, 30, 30))

    large = pending_post(anna, django_capture_on_commit_callbacks, mpo_upload())
    waiting = Attachment.objects.get(post=large)
    assert (waiting.state, waiting.content_type, waiting.width) == (FileState.PENDING, "image/jpeg", 4000)
    assert tasks.process_attachment(waiting.pk) == processing.READY
    waiting.refresh_from_db()
    assert (waiting.width, waiting.height) == (2048, 1536) and near(colour_of(waiting.file), (200, 30, 30))


def sixteen_bit_png(name="scan.png", size=(300, 200), value=40000):
    buffer = io.BytesIO()
    Image.new("I;16", size, value).save(buffer, "PNG")
    return upload(buffer.getvalue(), name)


def test_a_16_bit_grey_png_is_shown_grey_not_white(anna, queued, django_capture_on_commit_callbacks):
    # 40000 of 65535 is 156 of 255; converting "I;16" straight to RGB clipped it to 255.
    now = post_create(actor=anna, community=None, body="Scan", uploads=[sixteen_bit_png()])
    ready = Attachment.objects.get(post=now)
    assert ready.state == FileState.READY
    assert near(colour_of(ready.file), (156, 156, 156), 3) and near(colour_of(ready.thumbnail), (156, 156, 156), 3)

    later = pending_post(anna, django_capture_on_commit_callbacks, sixteen_bit_png(size=(4000, 3000)))
    waiting = Attachment.objects.get(post=later)
    assert tasks.process_attachment(waiting.pk) == processing.READY
    waiting.refresh_from_db()
    assert near(colour_of(waiting.file), (156, 156, 156), 3)


# ---------------------------------------------------------------- nothing lost, nothing looping


def test_a_malformed_image_ends_could_not_be_processed_and_stays_a_download(
    anna, queued, sent, client, django_capture_on_commit_callbacks
):
    broken = broken_png_bytes()
    post = pending_post(anna, django_capture_on_commit_callbacks, upload(broken, "broken.png"))
    attachment = Attachment.objects.get(post=post)
    assert attachment.state == FileState.PENDING  # its header is sound: only decoding finds out
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.process_attachment(attachment.pk) == processing.FAILED
    attachment.refresh_from_db()
    assert (attachment.state, attachment.attempts, attachment.claimed_until) == (FileState.FAILED, 1, None)
    assert [payload["type"] for _group, payload in sent] == ["post.updated"]
    assert tasks.process_attachment(attachment.pk) == processing.SKIPPED
    client.force_login(anna)
    html = card(client, post)
    assert "This image could not be processed." in html and "<img" not in html.split("post-images")[1][:400]
    assert client.get(reverse("feeds:thumbnail", args=[attachment.pk])).status_code == 404
    download = client.get(reverse("feeds:download", args=[attachment.pk, attachment.name]))
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == broken


def test_an_image_the_worker_died_on_three_times_fails_without_being_decoded_again(
    anna, queued, monkeypatch, django_capture_on_commit_callbacks
):
    post = pending_post(anna, django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get(post=post)
    # Three claims, none finished: the worker was killed each time.
    Attachment.objects.filter(pk=attachment.pk).update(
        attempts=processing.MAX_ATTEMPTS, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    monkeypatch.setattr(images, "render", lambda *args, **kwargs: pytest.fail("decoded a fourth time"))
    assert processing.sweep_pending(Attachment, owner="post", announce=lambda row: None) == 1
    assert Attachment.objects.get(pk=attachment.pk).state == FileState.FAILED


def test_a_child_without_an_answer_is_tried_again_then_given_up(
    anna, queued, monkeypatch, django_capture_on_commit_callbacks
):
    post = pending_post(anna, django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get(post=post)

    def no_answer(*args, **kwargs):
        raise images.RenderFailed("no answer within 60 s")

    monkeypatch.setattr(images, "render", no_answer)
    assert tasks.process_attachment(attachment.pk) == processing.RETRY
    row = Attachment.objects.get(pk=attachment.pk)
    assert row.state == FileState.PENDING and row.claimed_until > timezone.now() + timedelta(seconds=50)
    # Until then neither a second delivery nor the sweep takes it.
    assert tasks.process_attachment(attachment.pk) == processing.SKIPPED
    assert tasks.sweep_attachments() == 0
    for outcome in (processing.RETRY, processing.FAILED):
        Attachment.objects.filter(pk=attachment.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert tasks.process_attachment(attachment.pk) == outcome
    row = Attachment.objects.get(pk=attachment.pk)
    assert (row.state, row.attempts) == (FileState.FAILED, processing.MAX_ATTEMPTS)


def test_with_the_broker_down_the_post_is_kept_and_the_sweep_shows_its_image(
    anna, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.process_attachment_task, "apply_async", broker_down)
    post = pending_post(anna, django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get(post=post)
    assert attachment.state == FileState.PENDING
    # The task that could not be queued has a while to come before the sweep takes its image.
    assert tasks.sweep_attachments() == 0
    Attachment.objects.filter(pk=attachment.pk).update(
        claimed_until=timezone.now() - attachments.QUEUED_GRACE - timedelta(seconds=1)
    )
    assert tasks.sweep_attachments() == 1
    assert Attachment.objects.get(pk=attachment.pk).state == FileState.READY


def test_the_sweep_is_in_the_beat_schedule_and_its_tasks_are_bound_to_the_app():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {"feeds.sweep_attachments", "messaging.sweep_attachments"} <= scheduled
    for task in (
        tasks.process_attachment_task,
        tasks.sweep_attachments_task,
        messaging_tasks.process_attachment_task,
        messaging_tasks.sweep_attachments_task,
    ):
        assert task.app is celery_app and task.name in celery_app.tasks


def test_when_the_requests_child_fails_small_images_wait_for_the_worker(
    anna, queued, monkeypatch, png, django_capture_on_commit_callbacks
):
    def no_answer(*args, **kwargs):
        raise images.RenderFailed("could not start")

    monkeypatch.setattr(images, "render_many", no_answer)
    post = pending_post(anna, django_capture_on_commit_callbacks, png("small.png"))
    assert Attachment.objects.get(post=post).state == FileState.PENDING


def test_a_small_image_is_ready_at_once_and_a_broken_one_refused_at_once(anna, queued, png):
    post = post_create(actor=anna, community=None, body="Small", uploads=[png("small.png", size=(2048, 2048))])
    assert Attachment.objects.get(post=post).state == FileState.READY
    assert queued == []
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        post_create(actor=anna, community=None, body="Broken", uploads=[upload(broken_png_bytes((800, 600)), "b.png")])
    assert refused.value.messages == ["b.png is not an image we can read (JPEG, PNG, WebP or GIF)."]


def test_a_request_reencodes_its_smallest_images_up_to_its_budget(
    anna, queued, png, django_capture_on_commit_callbacks
):
    sides = [2048, 100, 2048, 2048, 1500]  # 4.2, 0.01, 4.2, 4.2 and 2.25 megapixels
    post = pending_post(
        anna, django_capture_on_commit_callbacks, *[png(f"{i}.png", size=(side, side)) for i, side in enumerate(sides)]
    )
    states = list(Attachment.objects.filter(post=post).order_by("position").values_list("state", flat=True))
    # 100 and 1500 first, then one 2048 within 2 x 2048 x 2048 pixels; the other two wait.
    assert states == [FileState.READY, FileState.READY, FileState.PENDING, FileState.PENDING, FileState.READY]
    assert len(queued) == 2


def test_the_limits_on_pixels_and_bytes_are_kept(anna, settings):
    from django.core.exceptions import ValidationError

    too_many = upload(image_bytes((8000, 5001), mode="1", color=0), "wide.png")  # 40,008,000 pixels
    with pytest.raises(ValidationError) as refused:
        post_create(actor=anna, community=None, body="Wide", uploads=[too_many])
    assert refused.value.messages == ["wide.png: the image has too many pixels."]
    settings.ATTACHMENT_MAX_BYTES = 100_000
    with pytest.raises(ValidationError) as refused:
        post_create(actor=anna, community=None, body="Big", uploads=[huge_png("big.png")])
    assert "the limit is" in refused.value.messages[0]
    assert not Attachment.objects.exists()


# ---------------------------------------------------------------- messages


def test_a_message_image_is_processed_and_its_message_sent_again(
    anna, bob, queued, sent, django_capture_on_commit_callbacks
):
    conversation = messaging.conversation_direct_open(actor=anna, other=bob)
    with django_capture_on_commit_callbacks(execute=True):
        message, _made = messaging.message_send(actor=anna, conversation=conversation, body="", uploads=[huge_png()])
    attachment = MessageAttachment.objects.get(message=message)
    assert attachment.state == FileState.PENDING
    assert ("messaging.process_attachment", (attachment.pk,)) in queued
    new = [payload for _group, payload in sent if payload["type"] == "message.new"]
    assert new and all("Preparing the image…" in payload["html"] for payload in new)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert messaging_tasks.process_attachment(attachment.pk) == processing.READY
    updated = [(group, payload) for group, payload in sent if payload["type"] == "message.updated"]
    assert sorted(group for group, _payload in updated) == sorted([f"user.{anna.pk}", f"user.{bob.pk}"])
    thumbnail = reverse("messaging:attachment_thumbnail", args=[attachment.pk])
    assert all(thumbnail in payload["html"] for _group, payload in updated)


def test_a_message_deleted_while_its_image_was_decoded_leaves_no_file(
    anna, bob, queued, media, monkeypatch, django_capture_on_commit_callbacks
):
    conversation = messaging.conversation_direct_open(actor=anna, other=bob)
    message, _made = messaging.message_send(actor=anna, conversation=conversation, body="", uploads=[huge_png()])
    attachment = MessageAttachment.objects.get(message=message)
    render = images.render

    def render_then_delete(*args, **kwargs):
        made = render(*args, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            messaging.message_delete(actor=anna, message=message)
        return made

    monkeypatch.setattr(images, "render", render_then_delete)
    with django_capture_on_commit_callbacks(execute=True):
        assert messaging_tasks.process_attachment(attachment.pk) == processing.SKIPPED
    assert [path for path in media.rglob("*") if path.is_file()] == []


# ---------------------------------------------------------------- with a real worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_shows_a_posted_image(celery_worker, make_person, media):
    author = make_person("Wendy", "Worker")
    post = post_create(actor=author, community=None, body="Poster", uploads=[huge_png()])
    attachment = Attachment.objects.get(post=post)
    deadline = time.monotonic() + 60
    while Attachment.objects.get(pk=attachment.pk).state == FileState.PENDING:
        assert time.monotonic() < deadline, "the worker did not process the image"
        time.sleep(0.2)
    done = Attachment.objects.get(pk=attachment.pk)
    assert done.state == FileState.READY and webp_size(done.thumbnail) == (640, 640)
    connection.close()


def test_a_card_with_a_pending_and_a_ready_image_reads_as_many_queries_as_without(
    anna, queued, png, client, django_capture_on_commit_callbacks
):
    ready = post_create(actor=anna, community=None, body="Ready", uploads=[png("a.png"), png("b.png")])
    both = pending_post(anna, django_capture_on_commit_callbacks, png("a.png"), huge_png())
    client.force_login(anna)
    card(client, ready)
    with CaptureQueriesContext(connection) as plain:
        card(client, ready)
    with CaptureQueriesContext(connection) as mixed:
        html = card(client, both)
    assert len(mixed.captured_queries) == len(plain.captured_queries)
    assert "Preparing the image…" in html and html.count("<img") >= 1
