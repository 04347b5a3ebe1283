"""The Django admin's user page (de)activates through the activation service
(apps/profiles/activation.py), and its form says the service's refusals: its own rule is
the service's check, not a copy of it."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from apps.accounts import admin as accounts_admin
from apps.moderation.models import AuditLogEntry
from tests.accounts.admin_forms import post_form
from tests.factories import ProfileFactory, UserFactory
from tests.profiles.activation_capture import activations_heard, sockets_closed

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user


def _user_page(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def _is_active_error(response) -> list[str]:
    return response.context["adminform"].form.errors.get("is_active", [])


def test_deactivating_on_the_user_page_goes_through_the_service(client, admin, django_capture_on_commit_callbacks):
    someone = ProfileFactory().user
    client.force_login(admin)
    with activations_heard() as heard, sockets_closed() as closed, django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, _user_page(someone), is_active=False)
    assert response.status_code == 302
    someone.refresh_from_db()
    assert not someone.is_active
    assert heard == [{"user_ids": [someone.pk], "active": False, "by_directory": False, "actor": admin}]
    assert closed == [f"user.{someone.pk}"]
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["account.deactivate"]


def test_the_user_page_says_an_admin_may_not_deactivate_themselves(client, admin):
    client.force_login(admin)
    with activations_heard() as heard:
        response = post_form(client, _user_page(admin), is_active=False)
    assert response.status_code == 200
    assert _is_active_error(response) == ["You cannot deactivate your own account."]
    admin.refresh_from_db()
    assert admin.is_active and heard == []


def test_the_user_page_says_only_administrators_deactivate(client):
    # Allowed to edit accounts in the Django admin, but not a profile administrator.
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    someone = ProfileFactory().user
    client.force_login(clerk)
    with activations_heard() as heard:
        response = post_form(client, _user_page(someone), is_active=False)
    assert _is_active_error(response) == ["Only administrators deactivate accounts."]
    someone.refresh_from_db()
    assert someone.is_active and heard == []
    assert not AuditLogEntry.objects.exists()


def test_the_form_asks_the_services_check(client, admin, monkeypatch):
    asked = []

    def check(*, actor, user):
        asked.append((actor, user))
        raise ValidationError("The service's own words.")

    monkeypatch.setattr(accounts_admin, "activation_check", check)
    someone = ProfileFactory().user
    client.force_login(admin)
    response = post_form(client, _user_page(someone), is_active=False)
    assert _is_active_error(response) == ["The service's own words."]
    assert asked == [(admin, someone)]


def test_a_save_that_leaves_is_active_alone_does_not_ask(client, admin, monkeypatch):
    def never(**_arguments):
        raise AssertionError("asked although is_active did not change")

    monkeypatch.setattr(accounts_admin, "activation_check", never)
    someone = ProfileFactory().user
    client.force_login(admin)
    with activations_heard() as heard:
        response = post_form(client, _user_page(someone), first_name="Renamed")
    assert response.status_code == 302 and heard == []
