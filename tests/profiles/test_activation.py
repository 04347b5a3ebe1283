"""One activation service (apps/profiles/activation.py): the profile page's deactivation goes
through it, and so does a directory run's, in bulk; whoever writes is_active, the person's
sockets close on commit, the directory's cached filters are forgotten, and the apps above
are told by a signal (profiles never imports them)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from apps.moderation.models import AuditLogEntry
from apps.profiles.activation import accounts_set_active, user_set_active
from apps.profiles.selectors import FACETS_CACHE_KEY
from tests.factories import ProfileFactory, UserFactory
from tests.profiles.activation_capture import activations_heard, sockets_closed

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user


def _is_active(user) -> bool:
    user.refresh_from_db(fields=["is_active"])
    return user.is_active


def test_the_profile_page_deactivates_and_reactivates_through_the_service(
    client, admin, django_capture_on_commit_callbacks
):
    someone = ProfileFactory().user
    client.force_login(admin)
    cache.set(FACETS_CACHE_KEY, "the filters of before")
    with activations_heard() as heard, sockets_closed() as closed, django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{someone.pk}/deactivate/")
    assert response.status_code == 302 and not _is_active(someone)
    assert heard == [{"user_ids": [someone.pk], "active": False, "by_directory": False, "actor": admin}]
    assert closed == [f"user.{someone.pk}"]
    assert cache.get(FACETS_CACHE_KEY) is None

    with activations_heard() as heard, sockets_closed() as closed, django_capture_on_commit_callbacks(execute=True):
        client.post(f"/people/{someone.pk}/reactivate/")
    assert _is_active(someone)
    assert heard == [{"user_ids": [someone.pk], "active": True, "by_directory": False, "actor": admin}]
    assert closed == []  # nobody to disconnect when coming back
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "account.deactivate",
        "account.reactivate",
    ]


def test_a_refusal_changes_nothing_and_tells_nobody(admin, django_capture_on_commit_callbacks):
    someone = ProfileFactory().user
    employee = ProfileFactory().user
    with activations_heard() as heard, django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(PermissionDenied, match="Only administrators"):
            user_set_active(actor=employee, user=someone, active=False)
        with pytest.raises(ValidationError, match="your own account"):
            user_set_active(actor=admin, user=admin, active=False)
    assert heard == [] and callbacks == []
    assert _is_active(someone) and _is_active(admin)
    assert not AuditLogEntry.objects.exists()


def test_a_directory_run_deactivates_many_in_one_statement(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    people = [ProfileFactory().user for _ in range(3)]
    ids = [user.pk for user in people]
    cache.set(FACETS_CACHE_KEY, "the filters of before")
    with (
        activations_heard() as heard,
        sockets_closed() as closed,
        django_capture_on_commit_callbacks(execute=True),
        django_assert_num_queries(1),  # one UPDATE, whatever their number
    ):
        accounts_set_active(user_ids=ids, active=False)
    assert not any(_is_active(user) for user in people)
    assert heard == [{"user_ids": ids, "active": False, "by_directory": True, "actor": None}]
    assert closed == [f"user.{user_id}" for user_id in ids]
    assert cache.get(FACETS_CACHE_KEY) is None
    assert not AuditLogEntry.objects.exists()  # the run is its own record, as before

    with activations_heard() as heard, sockets_closed() as closed, django_capture_on_commit_callbacks(execute=True):
        accounts_set_active(user_ids=ids[:1], active=True)
    assert _is_active(people[0]) and not _is_active(people[1])
    assert heard == [{"user_ids": ids[:1], "active": True, "by_directory": True, "actor": None}]
    assert closed == []


def test_a_directory_run_that_changes_nobody_costs_nothing(django_assert_num_queries):
    with activations_heard() as heard, django_assert_num_queries(0):
        accounts_set_active(user_ids=[], active=False)
    assert heard == []
