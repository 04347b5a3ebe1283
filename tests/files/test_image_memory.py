"""No web request decodes a large image in its own process (issue 17, item 10).

A 154 KB PNG of 6300 x 6300 took a web process from 161 MB to 699 MB: decoding it is
159 MB of pixels, and re-encoding copied them. Each route that takes an image (a post's
files, a message's, an avatar, a community's cover) is posted such an image through the
view here, and must neither decode a pixel in this process (Pillow's ImageFile.load is
watched) nor raise its peak memory (VmHWM, reset before the request) by more than a few
tens of megabytes. Each route is first sent a small picture, so that what is measured is
the huge one's cost, not the first request's imports. tests/benchmarks/test_image_memory.py
measures the same with a real server and concurrent posts.
"""

import contextlib
import time
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import ImageFile

from apps.communities.services import community_create
from apps.feeds.models import Attachment
from apps.messaging import services as messaging
from apps.messaging.models import MessageAttachment
from tests.factories import ProfileFactory
from tests.image_files import HUGE_SIDE, huge_png, image_bytes, upload
from tests.image_files import huge_png_bytes as huge_bytes

pytestmark = pytest.mark.django_db(transaction=False)

STATUS = Path("/proc/self/status")
# What one request may add to the process's peak: far below the 159 MB of one decoded
# image. Three such requests at once must keep a 161 MB process under 300 MB.
MAX_GROWTH_MB = 40


def _kib(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


@contextlib.contextmanager
def watched(monkeypatch):
    """What the block costs this process: the pictures decoded here, the growth of the peak
    resident memory (MB) and the time taken."""
    decoded: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def spying_load(image):
        decoded.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
    before = _kib("VmRSS")
    cost = {"decoded": decoded}
    started = time.perf_counter()
    yield cost
    cost["seconds"] = time.perf_counter() - started
    cost["growth_mb"] = (_kib("VmHWM") - before) / 1024


def assert_cheap(cost):
    assert cost["decoded"] == [], f"the web process decoded {cost['decoded']}"
    assert cost["growth_mb"] < MAX_GROWTH_MB, f"the request took {cost['growth_mb']:.0f} MB more at its peak"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    huge_bytes(), huge_bytes(6000)  # made before the measure


@pytest.fixture
def author(db):
    return ProfileFactory(user__first_name="Anna", user__last_name="Martin").user


def small_png():
    return upload(image_bytes((320, 240)), "small.png")


def post(client, files):
    return client.post(reverse("feeds:create"), {"kind": "post", "community": "", "body": "Poster", "files": files})


def test_a_post_with_a_huge_png_decodes_nothing_in_the_web_process(client, author, monkeypatch):
    client.force_login(author)
    post(client, [small_png()])
    with watched(monkeypatch) as cost:
        response = post(client, [huge_png()])
    assert response.status_code in (200, 302), response.content[:500]
    assert_cheap(cost)
    attachment = Attachment.objects.filter(post__author=author).latest("pk")
    # Stored as uploaded, with its size read from the header, for the worker to re-encode.
    assert (attachment.state, attachment.width, attachment.height) == ("pending", HUGE_SIDE, HUGE_SIDE)


def test_six_huge_pngs_in_one_post_cost_no_more_than_one(client, author, monkeypatch):
    client.force_login(author)
    post(client, [small_png()])
    files = [huge_png(f"poster-{i}.png") for i in range(6)]
    with watched(monkeypatch) as cost:
        response = post(client, files)
    assert response.status_code in (200, 302)
    assert_cheap(cost)
    assert cost["seconds"] < 2, f"the post took {cost['seconds']:.1f} s"
    assert Attachment.objects.filter(post__author=author, state="pending").count() == 6


def test_a_message_with_a_huge_png_decodes_nothing_in_the_web_process(client, author, monkeypatch):
    other = ProfileFactory().user
    conversation = messaging.conversation_direct_open(actor=author, other=other)
    client.force_login(author)
    url = reverse("messaging:send", args=[conversation.pk])
    client.post(url, {"body": "Small", "files": [small_png()]})
    with watched(monkeypatch) as cost:
        response = client.post(url, {"body": "Poster", "files": [huge_png()]})
    assert response.status_code in (200, 302), response.content[:500]
    assert_cheap(cost)
    assert MessageAttachment.objects.filter(message__conversation=conversation).latest("pk").state == "pending"


def test_an_avatar_of_the_largest_size_is_rendered_outside_the_web_process(client, author, monkeypatch):
    from tests.profiles.test_views import edit_data

    profile = author.profile
    client.force_login(author)
    url = reverse("people:edit", args=[author.pk])
    client.post(url, edit_data(profile, avatar=upload(image_bytes((320, 240)), "me.png")))
    with watched(monkeypatch) as cost:
        response = client.post(url, edit_data(profile, avatar=upload(huge_bytes(6000), "me.png")))
    assert response.status_code == 302, response.content[:2000]
    assert_cheap(cost)
    profile.refresh_from_db()
    assert set(profile.avatar) == {"256", "96", "40", "version"}


def test_a_cover_of_the_largest_size_is_rendered_outside_the_web_process(client, author, monkeypatch):
    community = community_create(actor=author, name="Poster Club", visibility="public")
    client.force_login(author)
    data = {"name": "Poster Club", "visibility": "public", "description": "", "tags": ""}
    url = reverse("communities:settings", args=[community.slug])
    client.post(url, {**data, "cover": small_png()})
    with watched(monkeypatch) as cost:
        response = client.post(url, {**data, "cover": upload(huge_bytes(6000))})
    assert response.status_code == 302, response.content[:2000]
    assert_cheap(cost)
    community.refresh_from_db()
    assert community.cover["file"].endswith(".webp")
