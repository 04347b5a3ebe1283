"""Shared data for the feeds tests: people with profiles, communities, a PNG upload, and
a private MEDIA_ROOT for the files that posts store."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from apps.profiles.services import profile_refresh_search
from tests.factories import ProfileFactory, UserFactory


@pytest.fixture
def make_person(db):
    """make_person("Anna", "Martin", email=..., is_active=..., is_superuser=..., **profile fields) -> user."""

    def make(first="Ada", last="Lovelace", *, email=None, **fields):
        user_fields = {key: fields.pop(key) for key in ("is_active", "is_staff", "is_superuser") if key in fields}
        if email:
            user_fields["email"] = email
        # A fixed title, not a random one: searches for people must match only what the test wrote.
        fields.setdefault("job_title", "Analyst")
        user = UserFactory(first_name=first, last_name=last, **user_fields)
        profile = ProfileFactory(user=user, **fields)
        profile_refresh_search(profile=profile, skill_names=[])
        return user

    return make


@pytest.fixture
def anna(make_person):
    return make_person("Anna", "Martin", email="anna.martin@example.com")


@pytest.fixture
def bob(make_person):
    return make_person("Bob", "Stone", email="bob.stone@example.com")


@pytest.fixture
def carol(make_person):
    """In no community."""
    return make_person("Carol", "Outsider", email="carol.out@example.com")


@pytest.fixture
def admin(make_person):
    """A site administrator (member of nothing)."""
    return make_person("Sam", "Admin", email="sam.admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def make_community(db):
    """make_community(owner, name, visibility, members=[...], moderators=[...]) -> community."""

    def make(owner, name="Open Garden", visibility="public", *, members=(), moderators=()):
        community = community_create(actor=owner, name=name, visibility=visibility)
        for user in members:
            Membership.objects.create(community=community, user=user, role=Role.MEMBER, state=State.ACTIVE)
        for user in moderators:
            Membership.objects.create(community=community, user=user, role=Role.MODERATOR, state=State.ACTIVE)
        return community

    return make


@pytest.fixture
def public(make_community, anna, bob):
    """Public, owned by Anna, Bob a member."""
    return make_community(anna, "Open Garden", "public", members=[bob])


@pytest.fixture
def private(make_community, anna, bob):
    """Private, owned by Anna, Bob a member; Carol does not know it exists."""
    return make_community(anna, "Hidden Lab", "private", members=[bob])


@pytest.fixture
def png():
    """png(name="photo.png", size=(300, 200)) -> an uploaded PNG file."""

    def make(name="photo.png", size=(300, 200), color=(200, 30, 30)):
        buffer = io.BytesIO()
        Image.new("RGB", size, color).save(buffer, "PNG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")

    return make


@pytest.fixture
def media(settings, tmp_path):
    """Files stored by the tests go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
