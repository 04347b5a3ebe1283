"""An administrator's acts on someone else's account or profile are audited; what people
change on their own profile is not."""

import pytest
from django.contrib.auth.models import Group, Permission

from apps.moderation.models import AuditLogEntry
from apps.profiles.models import ProfileFieldPolicy
from apps.profiles.services import profile_update, user_set_active
from tests.accounts.admin_forms import post_form
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user


def test_deactivating_and_reactivating_are_audited(admin):
    someone = ProfileFactory().user
    user_set_active(actor=admin, user=someone, active=False)
    user_set_active(actor=admin, user=someone, active=False)  # already inactive: nothing to record
    user_set_active(actor=admin, user=someone, active=True)
    rows = AuditLogEntry.objects.order_by("id").values_list("actor_id", "action", "target_type", "target_id")
    assert list(rows) == [
        (admin.pk, "account.deactivate", "accounts.user", str(someone.pk)),
        (admin.pk, "account.reactivate", "accounts.user", str(someone.pk)),
    ]


def test_an_admin_editing_someone_s_profile_is_audited_with_what_changed(admin):
    profile = ProfileFactory(job_title="Analyst", department="Sales")
    manager = ProfileFactory()
    profile_update(
        actor=admin, profile=profile, changes={"job_title": "Lead", "department": "Sales", "manager": manager}
    )
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (admin, "profile.update", str(profile.pk))
    assert entry.before == {"job_title": "Analyst", "manager": None}
    assert entry.after == {"job_title": "Lead", "manager": manager.pk, "photo_changed": False}


def test_people_editing_their_own_profile_are_not_audited():
    profile = ProfileFactory(job_title="Analyst")
    profile_update(actor=profile.user, profile=profile, changes={"job_title": "Lead"})
    assert not AuditLogEntry.objects.exists()


# ------------------------------------------------------------------ the Django admin's user page


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _user_page(user):
    return f"/admin/accounts/user/{user.pk}/change/"


def test_deactivating_in_the_django_admin_goes_through_the_profile_pages_service(admin_client, admin, monkeypatch):
    from apps.profiles import activation

    closed = []
    monkeypatch.setattr(activation, "disconnect_on_commit", closed.append)
    someone = ProfileFactory().user
    response = post_form(admin_client, _user_page(someone), is_active=False)
    assert response.status_code == 302
    someone.refresh_from_db()
    assert not someone.is_active
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.before, entry.after) == (
        admin,
        "account.deactivate",
        {"is_active": True},
        {"is_active": False},
    )
    assert closed == [f"user.{someone.pk}"]  # their sockets close, as from the profile page

    post_form(admin_client, _user_page(someone), is_active=True)
    assert AuditLogEntry.objects.order_by("-id").first().action == "account.reactivate"


def test_the_django_admin_says_who_may_not_deactivate(client, admin):
    client.force_login(admin)
    response = post_form(client, _user_page(admin), is_active=False)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["is_active"] == ["You cannot deactivate your own account."]

    # Allowed to edit accounts, but not a profile administrator: the product's rule.
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client.force_login(clerk)
    someone = ProfileFactory().user
    response = post_form(client, _user_page(someone), is_active=False)
    assert response.context["adminform"].form.errors["is_active"] == ["Only administrators deactivate accounts."]
    someone.refresh_from_db()
    assert someone.is_active and not AuditLogEntry.objects.exists()


def test_administrator_rights_granted_in_the_django_admin_are_audited(admin_client, admin):
    someone = ProfileFactory().user
    editors = Group.objects.create(name="Editors")
    permission = Permission.objects.get(codename="change_profile")
    response = post_form(
        admin_client,
        _user_page(someone),
        is_staff=True,
        groups=[str(editors.pk)],
        user_permissions=[str(permission.pk)],
        first_name="Renamed",
    )
    assert response.status_code == 302
    rights = AuditLogEntry.objects.get(action="user.permissions_change")
    assert (rights.actor, rights.target_id) == (admin, str(someone.pk))
    assert rights.before == {"is_staff": False, "groups": [], "user_permissions": []}
    assert rights.after == {"is_staff": True, "groups": [editors.pk], "user_permissions": [permission.pk]}
    names = AuditLogEntry.objects.get(action="user.change")
    assert names.after == {"first_name": "Renamed"}
    assert AuditLogEntry.objects.count() == 2


def test_which_profile_fields_are_private_is_audited(admin_client, admin):
    policy = ProfileFieldPolicy.objects.get(field="phone_mobile")
    response = post_form(
        admin_client, f"/admin/profiles/profilefieldpolicy/{policy.pk}/change/", is_private=not policy.is_private
    )
    assert response.status_code == 302
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action) == (admin, "profile.field_policy.change")
    assert (entry.before, entry.after) == ({"is_private": policy.is_private}, {"is_private": not policy.is_private})
