"""The services that must write to the audit log, and proof that each one does.

The rule: whatever someone does in a managing role (a community's owner or moderator, a
site or account administrator) to other people, to what others wrote, or to a shared
space, is written with apps.moderation.services.audit_record in the same transaction.
What one does to one's own membership or content is not.

`test_every_managing_service_is_listed` reads the service modules: a public function that
checks a managing right (or already audits) must be in AUDITED, with a scenario that acts
as a manager and names the entry expected, or in NOT_AUDITED with the reason. A new
managing service therefore fails this test until someone decides.

What administrators do in the Django admin, which no service module shows, is held to the
same rule by tests/test_audit_log_admin.py: it walks the admin's registry."""

import ast
import pathlib
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import services as accounts
from apps.accounts.models import Invitation
from apps.communities import services as communities
from apps.communities.models import Membership, Role, State, Visibility
from apps.feeds import services as feeds
from apps.feeds.models import Comment, Kind
from apps.moderation.models import AuditLogEntry
from apps.profiles import services as profiles
from tests.factories import ProfileFactory, UserFactory

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
# Calling one of these is what makes a service a managing one.
RIGHTS_CHECKS = {
    "can_manage",
    "can_moderate",
    "_admin_only",
    "is_site_admin",
    "is_profile_admin",
    "has_perm",
    "_may_manage",
    "editable_fields",
    "_check_can_edit",
}


def person(department="Sales", **user_fields):
    return ProfileFactory(user=UserFactory(**user_fields), department=department).user


def admin():
    return person(is_staff=True, is_superuser=True)


def community_with(owner, *, moderator=None, members=(), visibility=Visibility.PUBLIC, name="Guild"):
    community = communities.community_create(actor=owner, name=name, visibility=visibility)
    if moderator:
        Membership.objects.create(community=community, user=moderator, role=Role.MODERATOR, state=State.ACTIVE)
    for member in members:
        Membership.objects.create(community=community, user=member, role=Role.MEMBER, state=State.ACTIVE)
    return community


# ------------------------------------------------------------------ scenarios
# Each acts as a manager (never a site administrator when a community's moderator can do
# it) and returns (actor, the action expected in the log).


def moderator_bans_someone():
    moderator, member = person(), person()
    community = community_with(person(), moderator=moderator, members=[member])
    communities.membership_transition(actor=moderator, community=community, user=member, action="ban")
    return moderator, "community.membership.ban"


def owner_changes_a_role():
    owner, member = person(), person()
    community = community_with(owner, members=[member])
    communities.membership_set_role(actor=owner, community=community, user=member, role=Role.MODERATOR)
    return owner, "community.role"


def moderator_invites_a_department():
    moderator = person()
    person(department="Legal")
    community = community_with(person(), moderator=moderator)
    communities.invite_department(actor=moderator, community=community, department="Legal")
    return moderator, "community.invite_department"


def admin_creates_for_someone():
    actor = admin()
    communities.community_create(actor=actor, name="Guild", owner=person())
    return actor, "community.create"


def owner_changes_the_visibility():
    owner = person()
    community = community_with(owner)
    communities.community_update(actor=owner, community=community, changes={"visibility": Visibility.PRIVATE})
    return owner, "community.update"


def admin_transfers():
    actor = admin()
    communities.community_transfer(actor=actor, community=community_with(person()), new_owner=person())
    return actor, "community.transfer"


def admin_archives():
    actor = admin()
    communities.community_archive(actor=actor, community=community_with(person()), archived=True)
    return actor, "community.archive"


def admin_saves_the_branding():
    from apps.pages.services import branding_get, branding_save

    actor = admin()
    branding_save(actor=actor, row=branding_get())  # the defaults again: what the pages show is unchanged
    return actor, "branding.change"


def admin_deletes():
    actor = admin()
    communities.community_delete(actor=actor, community=community_with(person()), confirm_name="Guild")
    return actor, "community.delete"


def admin_adds_people():
    actor = admin()
    communities.community_bulk_add(actor=actor, community=community_with(person()), emails=[person().email])
    return actor, "community.bulk_add"


def moderator_deletes_a_post():
    moderator, author = person(), person()
    community = community_with(person(), moderator=moderator, members=[author])
    post = feeds.post_create(actor=author, community=community, body="Off topic")
    feeds.post_delete(actor=moderator, post=post)
    return moderator, "post.delete"


def moderator_restores_a_post():
    moderator, author = person(), person()
    community = community_with(person(), moderator=moderator, members=[author])
    post = feeds.post_create(actor=author, community=community, body="Off topic")
    feeds.post_delete(actor=author, post=post)
    feeds.post_restore(actor=moderator, post=post)
    return moderator, "post.restore"


def moderator_pins_a_post():
    moderator, author = person(), person()
    community = community_with(person(), moderator=moderator, members=[author])
    post = feeds.post_create(actor=author, community=community, body="Read me first")
    feeds.post_pin(actor=moderator, post=post, pinned=True)
    return moderator, "post.pin"


def owner_posts_a_pinned_announcement():
    owner = person()
    community = community_with(owner)
    feeds.post_create(actor=owner, community=community, body="Rules", kind=Kind.ANNOUNCEMENT, pinned=True)
    return owner, "post.pin"


def moderator_deletes_a_comment():
    moderator, author = person(), person()
    community = community_with(person(), moderator=moderator, members=[author])
    post = feeds.post_create(actor=author, community=community, body="Hello")
    comment = feeds.comment_create(actor=author, post=post, body="Rude words")
    feeds.comment_delete(actor=moderator, comment=comment)
    return moderator, "comment.delete"


def moderator_picks_a_best_answer():
    moderator, author = person(), person()
    community = community_with(person(), moderator=moderator, members=[author])
    post = feeds.post_create(actor=author, community=community, body="Which editor?", kind=Kind.QUESTION)
    comment = feeds.comment_create(actor=moderator, post=post, body="Any.")
    feeds.best_answer_set(actor=moderator, post=post, comment=Comment.objects.get(pk=comment.pk))
    return moderator, "post.best_answer"


def admin_invites_to_the_site():
    actor = admin()
    accounts.invitation_create(actor=actor, email="newcomer@example.com")
    return actor, "invitation.create"


def admin_revokes_a_site_invitation():
    actor = admin()
    invitation = Invitation.objects.create(
        email="newcomer@example.com", invited_by=actor, expires_at=timezone.now() + timedelta(days=3)
    )
    accounts.invitation_revoke(actor=actor, invitation=invitation)
    return actor, "invitation.revoke"


def admin_deactivates_an_account():
    actor = admin()
    profiles.user_set_active(actor=actor, user=person(), active=False)
    return actor, "account.deactivate"


def admin_edits_someone_elses_profile():
    actor = admin()
    someone = person()
    profiles.profile_update(actor=actor, profile=someone.profile, changes={"job_title": "Chief of Staff"})
    return actor, "profile.update"


def directory_source_saved():
    from apps.directory.models import DirectorySource
    from apps.directory.services.sources import source_save

    actor = admin()
    source_save(actor=actor, source=DirectorySource(name="corp", uris=["ldap://ldap.example.com"], user_base="dc=x"))
    return actor, "directory.source.save"


def directory_source_removed():
    from apps.directory.models import DirectorySource
    from apps.directory.services.sources import source_remove

    actor = admin()
    source_remove(actor=actor, source=DirectorySource.objects.create(name="corp"))
    return actor, "directory.source.remove"


def directory_status_handed_back():
    from apps.directory.models import DirectoryAccount, DirectorySource
    from apps.directory.services.accounts import account_status_handed_back

    actor = admin()
    source = DirectorySource.objects.create(name="corp")
    account = DirectoryAccount.objects.create(source=source, user=person(), external_id="1", dn="uid=1", values_hash="")
    account_status_handed_back(actor=actor, accounts=[account])
    return actor, "directory.account.status_handed_back"


def directory_run_forced():
    from apps.directory.models import DirectorySource
    from apps.directory.services.forced import forced_run_request

    actor = admin()
    forced_run_request(actor=actor, source=DirectorySource.objects.create(name="corp"), seen_run_id=None)
    return actor, "directory.sync.forced"


AUDITED = {
    "apps/pages/services.py:branding_save": admin_saves_the_branding,
    "apps/communities/services/memberships.py:membership_transition": moderator_bans_someone,
    "apps/communities/services/memberships.py:membership_set_role": owner_changes_a_role,
    "apps/communities/services/memberships.py:invite_department": moderator_invites_a_department,
    "apps/communities/services/community.py:community_create": admin_creates_for_someone,
    "apps/communities/services/community.py:community_update": owner_changes_the_visibility,
    "apps/communities/services/administration.py:community_transfer": admin_transfers,
    "apps/communities/services/administration.py:community_archive": admin_archives,
    "apps/communities/services/administration.py:community_delete": admin_deletes,
    "apps/communities/services/administration.py:community_bulk_add": admin_adds_people,
    "apps/feeds/services/posts.py:post_delete": moderator_deletes_a_post,
    "apps/feeds/services/posts.py:post_restore": moderator_restores_a_post,
    "apps/feeds/services/posts.py:post_pin": moderator_pins_a_post,
    "apps/feeds/services/posts.py:post_create": owner_posts_a_pinned_announcement,
    "apps/feeds/services/interactions.py:comment_delete": moderator_deletes_a_comment,
    "apps/feeds/services/interactions.py:best_answer_set": moderator_picks_a_best_answer,
    "apps/accounts/services.py:invitation_create": admin_invites_to_the_site,
    "apps/accounts/services.py:invitation_revoke": admin_revokes_a_site_invitation,
    "apps/profiles/activation.py:user_set_active": admin_deactivates_an_account,
    "apps/profiles/services.py:profile_update": admin_edits_someone_elses_profile,
    "apps/directory/services/sources.py:source_save": directory_source_saved,
    "apps/directory/services/sources.py:source_remove": directory_source_removed,
    "apps/directory/services/accounts.py:account_status_handed_back": directory_status_handed_back,
    "apps/directory/services/forced.py:forced_run_request": directory_run_forced,
}
PRIVATE_CONVERSATION = (
    "a group conversation's own history tells its participants (an event message); the audit "
    "log, read by administrators, would expose who talks with whom in private"
)
NOT_AUDITED = {
    "apps/communities/services/memberships.py:can_manage": "a question, not an action",
    "apps/profiles/services.py:editable_fields": "a question, not an action",
    "apps/profiles/activation.py:activation_check": "a question, not an action",
    "apps/messaging/services/conversations.py:participants_add": PRIVATE_CONVERSATION,
    "apps/messaging/services/conversations.py:participant_remove": PRIVATE_CONVERSATION,
    "apps/messaging/services/conversations.py:conversation_rename": PRIVATE_CONVERSATION,
}


def managing_services() -> set[str]:
    """Public functions of the service modules that check a managing right or audit."""
    found = set()
    # profiles/activation.py: the account activation service, beside profiles/services.py.
    modules = [
        *ROOT.glob("apps/*/services.py"),
        *ROOT.glob("apps/*/services/*.py"),
        ROOT / "apps/profiles/activation.py",
    ]
    for path in modules:
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if names & (RIGHTS_CHECKS | {"audit_record"}):
                found.add(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_every_managing_service_is_listed():
    found = managing_services()
    unlisted = found - set(AUDITED) - set(NOT_AUDITED)
    assert not unlisted, f"Decide whether these audit (AUDITED or NOT_AUDITED): {sorted(unlisted)}"
    assert not set(AUDITED) & set(NOT_AUDITED)
    # The lists name real functions (a renamed service leaves no stale line behind).
    assert set(AUDITED) - found == set(), "listed but not found (or no longer checking a right)"
    assert set(NOT_AUDITED) - found == set(), "listed but not found (or no longer checking a right)"


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(AUDITED), ids=lambda name: name.split(":")[1])
def test_each_managing_service_writes_its_audit_entry(service):
    actor, action = AUDITED[service]()
    entries = AuditLogEntry.objects.filter(action=action, actor=actor)
    assert entries.exists(), f"{service}: no {action!r} entry by {actor}"
    assert all(entry.actor_repr == actor.email for entry in entries)
