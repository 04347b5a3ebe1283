"""A real OpenLDAP server for the directory tests (see slapd.py): one per session, emptied
before each test that asks for `slapd`."""

import pytest

from tests.directory.slapd import PACKAGES, SLAPD, Slapd, install_slapd


@pytest.fixture(scope="session")
def slapd_server():
    """The session's slapd, as it is: benchmarks bulk_load() it; tests use `slapd`."""
    if not install_slapd():
        pytest.fail(
            f"{SLAPD} is missing and could not be installed: as root, run "
            f"`apt-get update && apt-get install -y {' '.join(PACKAGES)}`.",
            pytrace=False,
        )
    server = Slapd()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slapd(slapd_server):
    """The session's slapd with nothing under people, staff and groups."""
    slapd_server.reset()
    return slapd_server


@pytest.fixture
def finance(db):
    """A private community, "Finance", that directory groups can be mapped to."""
    from django.contrib.auth import get_user_model

    from apps.communities.services import community_create

    owner = get_user_model().objects.create_user(email="owner@example.com", password="x" * 12)
    return community_create(actor=owner, name="Finance", visibility="private")
