"""Avatars and community covers take what cameras and editors write (a phone's multi-picture
JPEG, a 16-bit grey PNG) and are rendered within a web request's limits: the request's
timeout, and a bounded wait for a child slot that ends in a "try again" on the form."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from apps.communities.covers import COVER_SIZE, render_cover
from apps.communities.services import community_create
from apps.files import images
from apps.files.pictures import validate_picture as validate_avatar
from apps.profiles.avatars import render_avatar
from tests.factories import ProfileFactory
from tests.image_files import huge_png_bytes, image_bytes, upload

pytestmark = pytest.mark.django_db

RED = (200, 30, 30)
GREY = (156, 156, 156)  # 40000 of 65535, in 8 bits


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def author(db):
    return ProfileFactory(user__first_name="Anna", user__last_name="Martin").user


def mpo_bytes(size=(1200, 900)) -> bytes:
    """A phone's photo with a second picture in its MPF segment (HDR gain map, depth map)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, RED).save(
        buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (120, 90), (0, 0, 255))], quality=90
    )
    return buffer.getvalue()


def sixteen_bit_png(size=(1200, 900), value=40000) -> bytes:
    buffer = io.BytesIO()
    Image.new("I;16", size, value).save(buffer, "PNG")
    return buffer.getvalue()


def colour_of(name: str) -> tuple:
    with default_storage.open(name) as handle, Image.open(handle) as image:
        assert image.format == "WEBP"
        return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def near(pixel, expected, tolerance=8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


CASES = [(mpo_bytes, "me.jpg", "image/jpeg", RED), (sixteen_bit_png, "me.png", "image/png", GREY)]


@pytest.mark.parametrize(("make", "name", "content_type", "colour"), CASES)
def test_an_avatar_from_a_phone_or_a_16_bit_scan_looks_as_it_should(make, name, content_type, colour):
    checked = validate_avatar(upload(make(), name, content_type))
    assert checked.header.format in images.FORMATS
    rendered = render_avatar(checked, user_id=7)
    for size in ("256", "96", "40"):
        assert near(colour_of(rendered[size]), colour), (size, colour_of(rendered[size]))


@pytest.mark.parametrize(("make", "name", "content_type", "colour"), CASES)
def test_a_cover_from_a_phone_or_a_16_bit_scan_looks_as_it_should(make, name, content_type, colour):
    cover = render_cover(validate_avatar(upload(make(), name, content_type)), community_id=7)
    with default_storage.open(cover["file"]) as handle, Image.open(handle) as image:
        assert image.size == COVER_SIZE
    assert near(colour_of(cover["file"]), colour)


def test_a_phones_photo_is_saved_as_an_avatar_through_the_form(client, author):
    from tests.profiles.test_views import edit_data

    client.force_login(author)
    response = client.post(
        reverse("people:edit", args=[author.pk]),
        edit_data(author.profile, avatar=upload(mpo_bytes(), "IMG_0001.jpg", "image/jpeg")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    author.profile.refresh_from_db()
    assert near(colour_of(author.profile.avatar["256"]), RED)


# ---------------------------------------------------------------- within a request's limits


def test_an_avatar_is_rendered_within_the_requests_timeout_not_the_workers(monkeypatch):
    """A web request waits for its child no longer than images.REQUEST_TIMEOUT (the worker's
    60 s would hold a request thread for a minute)."""
    monkeypatch.setattr(images, "REQUEST_TIMEOUT", 0.05)
    checked = validate_avatar(upload(huge_png_bytes(6000), "me.png"))
    with pytest.raises(ValidationError) as refused:
        render_avatar(checked, user_id=7)
    assert refused.value.code == "failed"
    with pytest.raises(ValidationError):
        render_cover(checked, community_id=7)


@pytest.fixture
def slots_taken():
    """This process's two child slots held by others (two long renders), given back after
    10 s at the latest: a caller that waits for them unbounded is late, not stuck."""
    lock, held = threading.Lock(), [True]

    def give_back():
        with lock:
            if held[0]:
                held[0] = False
                images._children.release()
                images._children.release()

    for _slot in range(2):
        assert images._children.acquire(timeout=5)
    timer = threading.Timer(10, give_back)
    timer.start()
    yield
    timer.cancel()
    give_back()


def test_a_busy_process_says_try_again_on_the_avatar_form(client, author, monkeypatch, slots_taken):
    from tests.profiles.test_views import edit_data

    monkeypatch.setattr(images, "SLOT_WAIT", 0.2)
    client.force_login(author)
    response = client.post(
        reverse("people:edit", args=[author.pk]), edit_data(author.profile, avatar=upload(image_bytes((320, 240))))
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["avatar"] == ["Other images are being processed right now. Please try again in a moment."]
    author.profile.refresh_from_db()
    assert author.profile.avatar == {}


def test_a_busy_process_says_try_again_on_the_cover_form(client, author, monkeypatch, slots_taken):
    community = community_create(actor=author, name="Poster Club", visibility="public")
    monkeypatch.setattr(images, "SLOT_WAIT", 0.2)
    client.force_login(author)
    data = {"name": "Poster Club", "visibility": "public", "description": "", "tags": ""}
    response = client.post(
        reverse("communities:settings", args=[community.slug]), {**data, "cover": upload(image_bytes((320, 240)))}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["cover"] == [
        "Other images are being processed right now. Please try again in a moment."
    ]
    community.refresh_from_db()
    assert community.cover == {}
