"""An administrator's acts on someone else's account or profile are audited; what people
change on their own profile is not."""

import pytest

from apps.moderation.models import AuditLogEntry
from apps.profiles.services import profile_update, user_set_active
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
