"""The files tests use the same people, communities and media folder as the feeds tests."""

from tests.feeds.conftest import admin, anna, bob, carol, make_community, make_person, media, png, private, public  # noqa: F401
