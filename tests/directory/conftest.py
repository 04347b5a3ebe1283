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


@pytest.fixture
def stopped(slapd):
    """A source of 100 people, 6 of whom left: more than the limit of 5, the run stopped
    (a safety check), as the forced-run tests need it."""
    from apps.directory.models import RunState
    from apps.directory.services.sync import directory_sync
    from tests.directory.helpers import make_source
    from tests.directory.slapd import people

    entries = people(100)
    slapd.add(entries)
    source = make_source(slapd)
    directory_sync(source=source)
    for dn, _attributes in entries[-6:]:
        slapd.delete(dn)
    run = directory_sync(source=source)
    assert run.state == RunState.ABORTED
    return source, run
