"""Exchange Online's address list as a directory source (Microsoft Graph /users, replayed)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from apps.communities.models import Membership, State
from apps.communities.services import community_create
from apps.directory.models import DirectoryAccount, DirectorySource, RunState, SourceKind
from apps.directory.services.sources import source_save
from apps.directory.services.sync import directory_sync
from apps.profiles.models import DIRECTORY_FIELDS, Profile
from tests.directory.helpers import make_source
from tests.directory.replay import Replay
from tests.directory.test_exchange_online import _configure

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def _source(**values):
    return DirectorySource.objects.create(
        name="exchange", kind=SourceKind.GRAPH, owned_fields=list(DIRECTORY_FIELDS), **values
    )


def test_the_address_list_syncs_like_a_directory(settings, tmp_path):
    owner = User.objects.create_user(email="owner@example.com", password="x" * 12)
    finance = community_create(actor=owner, name="Finance", visibility="private")
    with Replay(tmp_path, "graph_token.json", "graph_people.json") as replay:
        _configure(settings, replay)
        source = _source(group_communities={"5e6f7a8b-finance-group": finance.slug})
        run = directory_sync(source=source)
    assert replay.unexpected == []
    assert run.state == RunState.SUCCEEDED, run.message
    # Théo's account is disabled: not created. The conference room has no address: reported.
    assert run.counts["created"] == 4 and run.counts["skipped_disabled"] == 1 and run.counts["errors"] == 1
    helene = Profile.objects.get(user__email="helene.lefevre@example.com")
    assert (helene.job_title, helene.location, helene.phone_work, helene.phone_mobile) == (
        "Directrice financière", "Paris", "+33 1 40 00 00 02", "+33 6 00 00 00 02")  # fmt: skip
    assert helene.manager.user.email == "agnes.perrin@example.com"
    assert helene.field_sources["job_title"] == "Exchange exchange"
    assert Profile.objects.get(user__email="agnes.perrin@example.com").start_date.isoformat() == "2015-03-02"
    assert Profile.objects.get(user__email="jdupre@example.com").manager_id == helene.pk
    assert User.objects.filter(email="room.4@corp.example.com").exists()  # no mail: its UPN
    link = DirectoryAccount.objects.get(user=helene.user)
    assert link.external_id == "9f2b6c1e-1a2b-4c3d-8e4f-5a6b7c8d9e01" and link.dn == "hlefevre@corp.example.com"
    members = set(Membership.objects.filter(community=finance, state=State.ACTIVE, role="member")
                  .values_list("user__email", flat=True))  # fmt: skip
    assert members == {"helene.lefevre@example.com", "jdupre@example.com"}


def test_a_throttled_read_that_never_recovers_aborts_and_changes_nothing(settings, tmp_path):
    with Replay(tmp_path, "graph_token.json", "graph_people_throttled.json") as replay:
        _configure(settings, replay)
        run = directory_sync(source=_source())
    assert run.state == RunState.ABORTED
    assert run.message == "Exchange Online answered 429."
    assert len([r for r in replay.requests if r["path"].startswith("/v1.0/users")]) == 4
    assert not User.objects.exists()


def test_an_address_list_source_needs_the_registered_application(settings):
    with pytest.raises(ValidationError, match="GRAPH_TENANT_ID"):
        source_save(actor=None, source=DirectorySource(name="gal", kind=SourceKind.GRAPH))
    assert not DirectorySource.objects.exists()


def test_ldap_sources_are_unchanged_by_the_kind(slapd):
    assert make_source(slapd).kind == SourceKind.LDAP
