"""Writes to communities: the membership life cycle (every declared transition, every
undeclared one, who may act), roles, events on commit, department invitations, and the
site administrators' actions with their audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.communities import services
from apps.communities.models import Community, Membership, Role, State, Visibility
from apps.communities.selectors import community_list
from apps.communities.services import (
    community_archive,
    community_bulk_add,
    community_create,
    community_delete,
    community_delete_summary,
    community_transfer,
    community_update,
    invite_department,
    membership_set_role,
    membership_transition,
)
from apps.core import broadcast
from apps.moderation.models import AuditLogEntry
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

NO_ROW = None
ALL_SOURCES = [NO_ROW, *State.values]
OUTSIDE = {NO_ROW, State.LEFT, State.DECLINED, State.DENIED, State.REMOVED}

# The life cycle as the Communities issue describes it, written independently of the code:
# action -> (the states it may start from, the state it leads to, who does it).
EXPECTED = {
    "join": (OUTSIDE, State.ACTIVE, "self"),
    "request": (OUTSIDE, State.REQUESTED, "self"),
    "cancel": ({State.REQUESTED}, State.LEFT, "self"),
    "approve": ({State.REQUESTED}, State.ACTIVE, "manager"),
    "deny": ({State.REQUESTED}, State.DENIED, "manager"),
    "invite": (OUTSIDE | {State.REQUESTED}, State.INVITED, "manager"),
    "accept": ({State.INVITED}, State.ACTIVE, "self"),
    "decline": ({State.INVITED}, State.DECLINED, "self"),
    "leave": ({State.ACTIVE}, State.LEFT, "self"),
    "remove": ({State.ACTIVE, State.INVITED}, State.REMOVED, "manager"),
    "ban": (OUTSIDE | {State.ACTIVE, State.REQUESTED, State.INVITED}, State.BANNED, "manager"),
    "unban": ({State.BANNED}, State.REMOVED, "manager"),
}
SELF_ACTIONS = [a for a, (_s, _t, by) in EXPECTED.items() if by == "self"]
MANAGER_ACTIONS = [a for a, (_s, _t, by) in EXPECTED.items() if by == "manager"]


def visibility_for(action: str) -> str:
    return {"join": Visibility.PUBLIC, "request": Visibility.MODERATED}.get(action, Visibility.PUBLIC)


def any_source(action: str):
    """A state from which `action` is possible (an active membership for leave/remove)."""
    return {
        "join": NO_ROW,
        "request": NO_ROW,
        "cancel": State.REQUESTED,
        "approve": State.REQUESTED,
        "deny": State.REQUESTED,
        "invite": NO_ROW,
        "accept": State.INVITED,
        "decline": State.INVITED,
        "leave": State.ACTIVE,
        "remove": State.ACTIVE,
        "ban": State.ACTIVE,
        "unban": State.BANNED,
    }[action]


def place(community, user, state, role=Role.MEMBER):
    """Put `user` in `state` directly (test setup), or leave them without a row."""
    if state is NO_ROW:
        Membership.objects.filter(community=community, user=user).delete()
        return None
    return Membership.objects.update_or_create(community=community, user=user, defaults={"state": state, "role": role})[
        0
    ]


def state_of(community, user):
    return Membership.objects.filter(community=community, user=user).values_list("state", flat=True).first()


def role_of(community, user):
    return Membership.objects.filter(community=community, user=user).values_list("role", flat=True).first()


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def admin(staff_user):
    return staff_user


def make(owner, visibility=Visibility.PUBLIC, name="Guild"):
    return community_create(actor=owner, name=name, visibility=visibility)


def act(community, target, action, *, by, message=""):
    return membership_transition(actor=by, community=community, user=target, action=action, message=message)


def test_expected_map_is_the_declared_map():
    assert set(services.TRANSITIONS) == set(EXPECTED)
    for action, (sources, target, by) in EXPECTED.items():
        declared = services.TRANSITIONS[action]
        assert set(declared.sources) == sources, action
        assert declared.target == target, action
        assert (declared.by == services.SELF) == (by == "self"), action


# ---------------------------------------------------------------- every transition from every state


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda s: s or "no-row")
@pytest.mark.parametrize("action", list(EXPECTED))
def test_transition_from_every_state(action, source, owner):
    sources, target, by = EXPECTED[action]
    community = make(owner, visibility_for(action))
    person = UserFactory()
    place(community, person, source)
    actor = person if by == "self" else owner
    if source in sources:
        membership = act(community, person, action, by=actor)
        assert membership.state == target
        assert state_of(community, person) == target
        assert Membership.objects.filter(community=community, user=person).count() == 1
    else:
        with pytest.raises(ValidationError):
            act(community, person, action, by=actor)
        assert state_of(community, person) == source


def test_unknown_action_raises(owner):
    community = make(owner)
    person = UserFactory()
    with pytest.raises(ValidationError):
        act(community, person, "promote", by=owner)
    with pytest.raises(ValidationError):
        act(community, person, "", by=person)
    assert state_of(community, person) is None


@pytest.mark.parametrize("visibility", [Visibility.MODERATED, Visibility.PRIVATE])
def test_join_only_in_public_communities(owner, visibility):
    community = make(owner, visibility)
    person = UserFactory()
    with pytest.raises(ValidationError):
        act(community, person, "join", by=person)
    assert state_of(community, person) is None


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE])
def test_request_only_in_moderated_communities(owner, visibility):
    community = make(owner, visibility)
    person = UserFactory()
    with pytest.raises(ValidationError):
        act(community, person, "request", by=person)
    assert state_of(community, person) is None


def test_request_keeps_its_message_and_invite_its_inviter(owner):
    community = make(owner, Visibility.MODERATED)
    person, other = UserFactory(), UserFactory()
    membership = act(community, person, "request", by=person, message="  I work on this  ")
    assert membership.message == "I work on this"
    membership = act(community, other, "invite", by=owner)
    assert membership.invited_by == owner


def test_private_community_by_invitation(owner):
    community = make(owner, Visibility.PRIVATE)
    person = UserFactory()
    act(community, person, "invite", by=owner)
    membership = act(community, person, "accept", by=person)
    assert (membership.state, membership.role) == (State.ACTIVE, Role.MEMBER)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_archived_community_refuses_every_transition(action, owner, admin):
    community = make(owner, visibility_for(action))
    person = UserFactory()
    source = any_source(action)
    place(community, person, source)
    community_archive(actor=admin, community=community, archived=True)
    actor = person if EXPECTED[action][2] == "self" else owner
    with pytest.raises(ValidationError):
        act(community, person, action, by=actor)
    assert state_of(community, person) == source
    if EXPECTED[action][2] == "manager":
        with pytest.raises(ValidationError):
            act(community, person, action, by=admin)
        assert state_of(community, person) == source


# ---------------------------------------------------------------- who may act


@pytest.mark.parametrize("action", SELF_ACTIONS)
def test_only_the_person_concerned_does_self_actions(action, owner, admin):
    community = make(owner, visibility_for(action))
    person = UserFactory()
    source = any_source(action)
    place(community, person, source)
    for someone_else in (owner, admin, UserFactory()):
        with pytest.raises(PermissionDenied):
            act(community, person, action, by=someone_else)
    assert state_of(community, person) == source


@pytest.mark.parametrize("action", MANAGER_ACTIONS)
@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OWNER])
def test_moderators_and_owners_do_manager_actions(action, role, owner):
    community = make(owner)
    manager = UserFactory()
    place(community, manager, State.ACTIVE, role)
    person = UserFactory()
    place(community, person, any_source(action))
    membership = act(community, person, action, by=manager)
    assert membership.state == EXPECTED[action][1]
    # A manager's action on someone else's membership is audited, whoever the manager is.
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action) == (manager, f"community.membership.{action}")
    assert entry.after == {"user": person.pk, "state": EXPECTED[action][1]}


@pytest.mark.parametrize("action", MANAGER_ACTIONS)
def test_plain_members_and_outsiders_cannot_do_manager_actions(action, owner):
    community = make(owner)
    person = UserFactory()
    source = any_source(action)
    place(community, person, source)
    for actor_state in (NO_ROW, State.ACTIVE, State.INVITED, State.BANNED):
        actor = UserFactory()
        place(community, actor, actor_state, Role.MEMBER)
        with pytest.raises(PermissionDenied):
            act(community, person, action, by=actor)
    assert state_of(community, person) == source


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OWNER])
def test_former_manager_loses_the_power_with_the_membership(role, owner):
    community = make(owner)
    manager = UserFactory()
    place(community, manager, State.LEFT, role)
    person = UserFactory()
    place(community, person, State.REQUESTED)
    with pytest.raises(PermissionDenied):
        act(community, person, "approve", by=manager)


@pytest.mark.parametrize("action", ["remove", "ban"])
def test_moderator_cannot_remove_or_ban_an_owner(action, owner):
    community = make(owner)
    second_owner, moderator = UserFactory(), UserFactory()
    place(community, second_owner, State.ACTIVE, Role.OWNER)
    place(community, moderator, State.ACTIVE, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        act(community, second_owner, action, by=moderator)
    assert (state_of(community, second_owner), role_of(community, second_owner)) == (State.ACTIVE, Role.OWNER)


@pytest.mark.parametrize("action", ["remove", "ban"])
def test_owner_removes_or_bans_another_owner(action, owner):
    community = make(owner)
    second_owner = UserFactory()
    place(community, second_owner, State.ACTIVE, Role.OWNER)
    membership = act(community, second_owner, action, by=owner)
    assert membership.state == EXPECTED[action][1]


@pytest.mark.parametrize("action", MANAGER_ACTIONS)
def test_site_admin_not_member_does_manager_actions_and_each_is_audited(action, owner, admin):
    community = make(owner, Visibility.PRIVATE)
    person = UserFactory()
    source = any_source(action)
    place(community, person, source)
    membership = act(community, person, action, by=admin)
    target = EXPECTED[action][1]
    assert membership.state == target
    assert not Membership.objects.filter(community=community, user=admin).exists()
    entry = AuditLogEntry.objects.get()
    assert entry.actor == admin
    assert entry.action == f"community.membership.{action}"
    assert (entry.target_type, entry.target_id) == ("communities.community", str(community.pk))
    assert entry.before == {"user": person.pk, "state": source}
    assert entry.after == {"user": person.pk, "state": target}


def test_site_admin_removes_an_owner_when_another_remains(owner, admin):
    community = make(owner)
    second_owner = UserFactory()
    place(community, second_owner, State.ACTIVE, Role.OWNER)
    assert act(community, second_owner, "remove", by=admin).state == State.REMOVED


def test_what_people_do_to_their_own_membership_is_not_audited(owner):
    community = make(owner, Visibility.MODERATED)
    person = UserFactory()
    act(community, person, "request", by=person)
    act(community, person, "approve", by=owner)
    act(community, person, "leave", by=person)
    act(community, person, "request", by=person)
    act(community, person, "cancel", by=person)
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["community.membership.approve"]


# ---------------------------------------------------------------- the last owner


@pytest.mark.parametrize("action", ["leave", "remove", "ban"])
def test_last_owner_cannot_go(action, owner, admin):
    community = make(owner)
    actor = owner if action == "leave" else admin
    with pytest.raises(ValidationError):
        act(community, owner, action, by=actor)
    assert (state_of(community, owner), role_of(community, owner)) == (State.ACTIVE, Role.OWNER)


def test_last_owner_cannot_be_demoted(owner, admin):
    community = make(owner)
    for role in (Role.MODERATOR, Role.MEMBER):
        for actor in (owner, admin):
            with pytest.raises(ValidationError):
                membership_set_role(actor=actor, community=community, user=owner, role=role)
    assert role_of(community, owner) == Role.OWNER


def test_last_owner_is_the_only_active_one(owner):
    """A former owner (left, banned) does not count as the owner that remains."""
    community = make(owner)
    ghost = UserFactory()
    place(community, ghost, State.LEFT, Role.OWNER)
    with pytest.raises(ValidationError):
        act(community, owner, "leave", by=owner)
    with pytest.raises(ValidationError):
        membership_set_role(actor=owner, community=community, user=owner, role=Role.MEMBER)


def test_with_two_owners_one_leaves(owner):
    community = make(owner)
    second = UserFactory()
    place(community, second, State.ACTIVE, Role.OWNER)
    assert act(community, owner, "leave", by=owner).state == State.LEFT
    with pytest.raises(ValidationError):
        act(community, second, "leave", by=second)


def test_with_two_owners_one_is_demoted(owner):
    community = make(owner)
    second = UserFactory()
    place(community, second, State.ACTIVE, Role.OWNER)
    membership = membership_set_role(actor=second, community=community, user=owner, role=Role.MEMBER)
    assert membership.role == Role.MEMBER
    assert role_of(community, owner) == Role.MEMBER
    with pytest.raises(ValidationError):
        membership_set_role(actor=second, community=community, user=second, role=Role.MEMBER)


@pytest.mark.parametrize("action", ["remove", "ban"])
def test_with_two_owners_one_is_removed_or_banned(action, owner):
    community = make(owner)
    second = UserFactory()
    place(community, second, State.ACTIVE, Role.OWNER)
    assert act(community, second, action, by=owner).state == EXPECTED[action][1]


def test_rejoining_former_owner_comes_back_as_member(owner):
    community = make(owner)
    second = UserFactory()
    place(community, second, State.ACTIVE, Role.OWNER)
    act(community, owner, "leave", by=owner)
    membership = act(community, owner, "join", by=owner)
    assert (membership.state, membership.role) == (State.ACTIVE, Role.MEMBER)


def test_invited_former_owner_comes_back_as_member(owner):
    community = make(owner, Visibility.PRIVATE)
    second = UserFactory()
    place(community, second, State.ACTIVE, Role.OWNER)
    act(community, owner, "leave", by=owner)
    act(community, owner, "invite", by=second)
    membership = act(community, owner, "accept", by=owner)
    assert (membership.state, membership.role) == (State.ACTIVE, Role.MEMBER)


def test_approved_former_moderator_comes_back_as_member(owner):
    community = make(owner, Visibility.MODERATED)
    person = UserFactory()
    place(community, person, State.REMOVED, Role.MODERATOR)
    act(community, person, "request", by=person)
    assert act(community, person, "approve", by=owner).role == Role.MEMBER


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("role", Role.values)
def test_owner_sets_any_role(role, owner):
    community = make(owner)
    person = UserFactory()
    place(community, person, State.ACTIVE)
    assert membership_set_role(actor=owner, community=community, user=person, role=role).role == role
    assert role_of(community, person) == role
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.after) == (owner, "community.role", {"user": person.pk, "role": role})


@pytest.mark.parametrize("actor_role", [Role.MODERATOR, Role.MEMBER, None])
def test_only_owners_change_roles(actor_role, owner):
    community = make(owner)
    actor, person = UserFactory(), UserFactory()
    if actor_role:
        place(community, actor, State.ACTIVE, actor_role)
    place(community, person, State.ACTIVE)
    with pytest.raises(PermissionDenied):
        membership_set_role(actor=actor, community=community, user=person, role=Role.MODERATOR)
    assert role_of(community, person) == Role.MEMBER


def test_moderator_cannot_make_themself_owner(owner):
    community = make(owner)
    moderator = UserFactory()
    place(community, moderator, State.ACTIVE, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        membership_set_role(actor=moderator, community=community, user=moderator, role=Role.OWNER)


def test_role_must_be_valid(owner):
    community = make(owner)
    person = UserFactory()
    place(community, person, State.ACTIVE)
    for role in ("admin", "", "OWNER", None):
        with pytest.raises(ValidationError):
            membership_set_role(actor=owner, community=community, user=person, role=role)
    assert role_of(community, person) == Role.MEMBER


def test_only_active_members_have_a_role(owner):
    community = make(owner)
    for state in [NO_ROW, *(s for s in State.values if s != State.ACTIVE)]:
        person = UserFactory()
        place(community, person, state)
        with pytest.raises(ValidationError):
            membership_set_role(actor=owner, community=community, user=person, role=Role.MODERATOR)
        assert role_of(community, person) in (None, Role.MEMBER), state


def test_site_admin_sets_a_role_and_it_is_audited(owner, admin):
    community = make(owner)
    person = UserFactory()
    place(community, person, State.ACTIVE)
    membership_set_role(actor=admin, community=community, user=person, role=Role.OWNER)
    assert role_of(community, person) == Role.OWNER
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action) == (admin, "community.role")
    assert entry.before == {"user": person.pk, "role": Role.MEMBER}
    assert entry.after == {"user": person.pk, "role": Role.OWNER}


# ---------------------------------------------------------------- events


@pytest.fixture
def controls(monkeypatch):
    """The socket controls (recheck, close) that reach the channel layer, as (group, message)."""
    sent = []
    monkeypatch.setattr(broadcast, "_send_message", lambda group, message: sent.append((group, message)) or True)
    return sent


EVENT_CASES = [
    (action, visibility)
    for action in EXPECTED
    for visibility in (Visibility.PUBLIC, Visibility.MODERATED, Visibility.PRIVATE)
    if visibility == visibility_for(action) or (action not in ("join", "request") and visibility == Visibility.PRIVATE)
]


@pytest.mark.parametrize(("action", "visibility"), EVENT_CASES)
def test_each_transition_broadcasts_on_commit(
    action, visibility, owner, sent, controls, django_capture_on_commit_callbacks
):
    community = make(owner, visibility)
    person = UserFactory()
    place(community, person, any_source(action))
    actor = person if EXPECTED[action][2] == "self" else owner
    with django_capture_on_commit_callbacks() as callbacks:
        membership = act(community, person, action, by=actor)
        assert sent == []  # nothing before commit
    target = EXPECTED[action][1]
    reaches_community = visibility != Visibility.PRIVATE or target == State.ACTIVE
    notified = action in ("invite", "request", "approve")  # a notification task is queued too
    assert len(callbacks) == (2 if reaches_community else 1) + 1 + notified
    for callback in callbacks:
        callback()
    # The person's open sockets check at once what they may now follow.
    assert controls == [(f"user.{person.pk}", {"type": "subscription.recheck", "community": community.pk})]
    payload = {
        "type": "membership.changed",
        "community": community.pk,
        "user": person.pk,
        "action": action,
        "state": target,
        "role": membership.role,
    }
    expected = [(f"user.{person.pk}", payload)]
    if reaches_community:
        expected.append((f"community.{community.pk}", payload))
    assert sent == expected


@pytest.mark.parametrize("action", ["join", "leave", "approve", "ban"])
def test_nothing_is_sent_when_the_transaction_rolls_back(action, owner, sent, django_capture_on_commit_callbacks):
    community = make(owner, Visibility.MODERATED if action == "approve" else Visibility.PUBLIC)
    person = UserFactory()
    source = any_source(action)
    place(community, person, source)
    actor = person if EXPECTED[action][2] == "self" else owner
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        act(community, person, action, by=actor)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert sent == []
    assert state_of(community, person) == source


def test_refused_transition_sends_nothing(owner, django_capture_on_commit_callbacks):
    community = make(owner)
    person = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        act(community, person, "leave", by=person)
    assert callbacks == []


@pytest.mark.parametrize("visibility", Visibility.values)
def test_role_change_broadcasts_on_commit(visibility, owner, sent, django_capture_on_commit_callbacks):
    community = make(owner, visibility)
    person = UserFactory()
    place(community, person, State.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        membership_set_role(actor=owner, community=community, user=person, role=Role.MODERATOR)
    assert len(callbacks) == 2
    assert [group for group, _payload in sent] == [f"user.{person.pk}", f"community.{community.pk}"]
    assert sent[0][1]["role"] == Role.MODERATOR


# ---------------------------------------------------------------- invite a department


def test_invite_department(owner):
    community = make(owner, Visibility.PRIVATE)
    ProfileFactory(user=owner, department="Sales")
    newcomers = [ProfileFactory(department="Sales").user for _ in range(3)]
    member = ProfileFactory(department="Sales").user
    place(community, member, State.ACTIVE)
    invited = ProfileFactory(department="Sales").user
    place(community, invited, State.INVITED)
    banned = ProfileFactory(department="Sales").user
    place(community, banned, State.BANNED)
    former = ProfileFactory(department="Sales").user
    place(community, former, State.LEFT)
    gone = ProfileFactory(department="Sales", user=UserFactory(is_active=False)).user
    elsewhere = ProfileFactory(department="Marketing").user

    result = invite_department(actor=owner, community=community, department="Sales")

    # the owner, the member, the already invited and the banned are skipped
    assert result == {"invited": 4, "skipped": 4}
    for person in [*newcomers, former]:
        membership = Membership.objects.get(community=community, user=person)
        assert (membership.state, membership.invited_by) == (State.INVITED, owner)
    assert state_of(community, member) == State.ACTIVE
    assert state_of(community, banned) == State.BANNED
    assert state_of(community, owner) == State.ACTIVE
    assert state_of(community, gone) is None
    assert state_of(community, elsewhere) is None


def test_invite_department_only_by_managers(owner):
    community = make(owner, Visibility.PRIVATE)
    ProfileFactory(department="Sales")
    with pytest.raises(PermissionDenied):
        invite_department(actor=UserFactory(), community=community, department="Sales")
    assert Membership.objects.filter(community=community).count() == 1


def test_invite_unknown_department_invites_nobody(owner):
    community = make(owner)
    ProfileFactory(department="Sales")
    assert invite_department(actor=owner, community=community, department="Nowhere") == {
        "invited": 0,
        "skipped": 0,
    }


# ---------------------------------------------------------------- community_create


def test_create_makes_the_actor_owner(owner):
    community = community_create(
        actor=owner, name="  Data   Science ", description="We *love* data", tags=["ML", "ml", " AI "]
    )
    assert community.name == "Data Science"
    assert community.slug == "data-science"
    assert community.visibility == Visibility.PUBLIC
    assert community.tags == ["ML", "AI"]
    assert community.description_html == "<p>We <em>love</em> data</p>"
    assert community.created_by == owner
    assert (state_of(community, owner), role_of(community, owner)) == (State.ACTIVE, Role.OWNER)
    assert not AuditLogEntry.objects.exists()


def test_slugs_are_unique_and_accent_folded(owner):
    first = community_create(actor=owner, name="Café Crème")
    second = community_create(actor=UserFactory(), name="Café Crème")
    third = community_create(actor=owner, name="CAFE creme")
    assert first.slug == "cafe-creme"
    assert len({first.slug, second.slug, third.slug}) == 3
    assert all(c.slug.startswith("cafe-creme") and c.slug.isascii() for c in (second, third))


def test_new_is_never_a_slug(owner):
    community = community_create(actor=owner, name="New")
    assert community.slug != "new"
    assert community_create(actor=owner, name="new").slug not in {"new", community.slug}


def test_name_without_letters_gets_a_slug(owner):
    community = community_create(actor=owner, name="!!!")
    assert community.slug


@pytest.mark.parametrize("name", ["", "   ", None])
def test_create_refuses_an_empty_name(name, owner):
    with pytest.raises(ValidationError):
        community_create(actor=owner, name=name)
    assert not Community.objects.exists()


def test_create_refuses_an_unknown_visibility(owner):
    with pytest.raises(ValidationError):
        community_create(actor=owner, name="Guild", visibility="secret")
    assert not Community.objects.exists()


def test_create_refuses_more_than_ten_tags(owner):
    with pytest.raises(ValidationError):
        community_create(actor=owner, name="Guild", tags=[f"t{i}" for i in range(11)])


def test_only_site_admins_create_on_behalf_of_someone(owner):
    with pytest.raises(PermissionDenied):
        community_create(actor=UserFactory(), name="Guild", owner=owner)
    assert not Community.objects.exists()


def test_site_admin_creates_on_behalf_and_it_is_audited(owner, admin):
    community = community_create(actor=admin, name="Guild", visibility=Visibility.PRIVATE, owner=owner)
    assert role_of(community, owner) == Role.OWNER
    assert not Membership.objects.filter(community=community, user=admin).exists()
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (admin, "community.create", str(community.pk))
    assert entry.before is None
    assert entry.after == {"name": "Guild", "owner": owner.pk, "visibility": Visibility.PRIVATE}


def test_site_admin_cannot_give_a_community_to_a_former_employee(admin):
    with pytest.raises(ValidationError):
        community_create(actor=admin, name="Guild", owner=UserFactory(is_active=False))
    assert not Community.objects.exists()


# ---------------------------------------------------------------- community_update


def test_owner_updates_the_settings(owner):
    community = make(owner)
    community_update(
        actor=owner,
        community=community,
        changes={"name": "Jardinage", "description": "Légumes d'été", "tags": ["Potager"], "visibility": "moderated"},
    )
    community.refresh_from_db()
    assert (community.name, community.visibility, community.tags) == ("Jardinage", Visibility.MODERATED, ["Potager"])
    assert community.slug == "guild"  # the address does not move
    entry = AuditLogEntry.objects.get()  # an owner's change concerns every member
    assert (entry.actor, entry.action) == (owner, "community.update")
    assert (entry.before["name"], entry.after["name"]) == ("Guild", "Jardinage")
    assert entry.before["slug"] == entry.after["slug"] == "guild"


def test_update_refreshes_the_search_fields(owner):
    community = make(owner, name="Zebra")
    community_update(actor=owner, community=community, changes={"name": "Éléphant", "description": "Grands mammifères"})
    community.refresh_from_db()
    assert community.sort_name == "elephant"
    assert "mammiferes" in community.search_text
    assert [c.pk for c in community_list(viewer=UserFactory(), query="MAMMIFERES").items] == [community.pk]
    assert community_list(viewer=UserFactory(), query="zebra").items == []


def test_update_sanitises_the_description(owner):
    community = make(owner)
    community_update(
        actor=owner,
        community=community,
        changes={"description": '**Hi** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="y">'},
    )
    community.refresh_from_db()
    assert "<strong>Hi</strong>" in community.description_html
    for bad in ("<script", 'href="javascript', "<img"):
        assert bad not in community.description_html


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.MEMBER, None])
def test_only_owners_update(role, owner):
    community = make(owner)
    actor = UserFactory()
    if role:
        place(community, actor, State.ACTIVE, role)
    with pytest.raises(PermissionDenied):
        community_update(actor=actor, community=community, changes={"name": "Hijacked"})
    community.refresh_from_db()
    assert community.name == "Guild"


def test_update_touches_only_settings_fields(owner, admin):
    community = make(owner)
    for field in ("slug", "archived_at", "created_by", "description_html", "search_text"):
        for actor in (owner, admin):
            with pytest.raises(ValidationError):
                community_update(actor=actor, community=community, changes={field: "x", "name": "Renamed"})
    community.refresh_from_db()
    assert (community.name, community.slug, community.archived_at) == ("Guild", "guild", None)


def test_update_refuses_bad_values(owner):
    community = make(owner)
    with pytest.raises(ValidationError):
        community_update(actor=owner, community=community, changes={"visibility": "secret"})
    with pytest.raises(ValidationError):
        community_update(actor=owner, community=community, changes={"name": "  "})
    community.refresh_from_db()
    assert (community.name, community.visibility) == ("Guild", Visibility.PUBLIC)


def test_making_a_community_private_hides_it_at_once(owner):
    community = make(owner)
    outsider = UserFactory()
    assert Community.objects.visible_to(outsider).filter(pk=community.pk).exists()
    community_update(actor=owner, community=community, changes={"visibility": Visibility.PRIVATE})
    assert not Community.objects.visible_to(outsider).filter(pk=community.pk).exists()


def test_update_broadcasts_on_commit(owner, sent, django_capture_on_commit_callbacks):
    community = make(owner)
    with django_capture_on_commit_callbacks(execute=True):
        community_update(actor=owner, community=community, changes={"visibility": Visibility.MODERATED})
    assert sent == [
        (
            f"community.{community.pk}",
            {"type": "community.changed", "community": community.pk, "visibility": Visibility.MODERATED},
        )
    ]


def test_site_admin_not_owner_update_is_audited(owner, admin):
    community = make(owner, Visibility.PRIVATE)
    community_update(actor=admin, community=community, changes={"visibility": Visibility.PUBLIC})
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (admin, "community.update", str(community.pk))
    assert entry.before["visibility"] == Visibility.PRIVATE
    assert entry.after["visibility"] == Visibility.PUBLIC
    assert entry.before["name"] == entry.after["name"] == "Guild"


def test_a_change_of_visibility_records_the_new_address(owner):
    community = make(owner)
    community_update(actor=owner, community=community, changes={"visibility": Visibility.PRIVATE})
    community.refresh_from_db()
    entry = AuditLogEntry.objects.get()
    assert (entry.before["slug"], entry.after["slug"]) == ("guild", community.slug)
    assert (entry.before["visibility"], entry.after["visibility"]) == (Visibility.PUBLIC, Visibility.PRIVATE)


def test_saving_unchanged_settings_is_not_audited(owner):
    community = make(owner)
    community_update(actor=owner, community=community, changes={"name": "Guild", "visibility": Visibility.PUBLIC})
    assert not AuditLogEntry.objects.exists()


def test_archived_community_settings_only_by_site_admins(owner, admin):
    community = make(owner)
    community_archive(actor=admin, community=community, archived=True)
    with pytest.raises(ValidationError):
        community_update(actor=owner, community=community, changes={"name": "Renamed"})
    community_update(actor=admin, community=community, changes={"name": "Renamed"})
    community.refresh_from_db()
    assert community.name == "Renamed"


# ---------------------------------------------------------------- transfer, archive, delete


def test_transfer_ownership(owner, admin):
    community = make(owner)
    co_owner, heir = UserFactory(), UserFactory()
    place(community, co_owner, State.ACTIVE, Role.OWNER)
    community_transfer(actor=admin, community=community, new_owner=heir)
    assert (state_of(community, heir), role_of(community, heir)) == (State.ACTIVE, Role.OWNER)
    assert role_of(community, owner) == role_of(community, co_owner) == Role.MEMBER
    assert state_of(community, owner) == State.ACTIVE
    assert not Membership.objects.filter(community=community, user=admin).exists()
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action) == (admin, "community.transfer")
    assert sorted(entry.before["owners"]) == sorted([owner.pk, co_owner.pk])
    assert entry.after == {"owners": [heir.pk]}


def test_transfer_to_a_current_owner_keeps_them_owner(owner, admin):
    community = make(owner)
    other = UserFactory()
    place(community, other, State.ACTIVE, Role.OWNER)
    community_transfer(actor=admin, community=community, new_owner=other)
    assert role_of(community, other) == Role.OWNER
    assert role_of(community, owner) == Role.MEMBER


def test_only_site_admins_transfer(owner):
    community = make(owner)
    with pytest.raises(PermissionDenied):
        community_transfer(actor=owner, community=community, new_owner=UserFactory())
    assert role_of(community, owner) == Role.OWNER


def test_transfer_refuses_a_former_employee(owner, admin):
    community = make(owner)
    with pytest.raises(ValidationError):
        community_transfer(actor=admin, community=community, new_owner=UserFactory(is_active=False))
    assert role_of(community, owner) == Role.OWNER
    assert not AuditLogEntry.objects.exists()


def test_archive_and_restore(owner, admin):
    community = make(owner)
    community_archive(actor=admin, community=community, archived=True)
    community.refresh_from_db()
    assert community.is_archived
    archived_at = community.archived_at
    community_archive(actor=admin, community=community, archived=False)
    community.refresh_from_db()
    assert not community.is_archived
    restore, archive = AuditLogEntry.objects.order_by("-id")
    assert (archive.action, archive.actor) == ("community.archive", admin)
    assert archive.before == {"archived_at": None}
    assert archive.after["archived_at"] is not None
    assert (restore.action, restore.after) == ("community.restore", {"archived_at": None})
    assert restore.before["archived_at"] == archive.after["archived_at"]
    assert archived_at is not None
    # restored: life goes on
    person = UserFactory()
    assert act(community, person, "join", by=person).state == State.ACTIVE


def test_only_site_admins_archive(owner):
    community = make(owner)
    with pytest.raises(PermissionDenied):
        community_archive(actor=owner, community=community, archived=True)
    community.refresh_from_db()
    assert not community.is_archived


def test_delete_summary_and_audit(owner, admin, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.feeds.services import post_create

    settings.MEDIA_ROOT = str(tmp_path)
    community = make(owner, Visibility.MODERATED)
    for state in (State.ACTIVE, State.ACTIVE, State.REQUESTED, State.INVITED, State.BANNED, State.LEFT):
        place(community, UserFactory(), state)
    upload = SimpleUploadedFile("minutes.txt", b"Minutes of the guild", content_type="text/plain")
    post = post_create(actor=owner, community=community, body="Minutes attached", uploads=[upload])
    stored = post.attachments.get().file
    assert default_storage.exists(stored)
    assert community_delete_summary(community) == {"members": 3, "pending": 2, "posts": 1}
    pk = community.pk
    with django_capture_on_commit_callbacks(execute=True):
        community_delete(actor=admin, community=community, confirm_name="Guild")
    # The rows go with the community, and so do their files.
    assert not default_storage.exists(stored)
    assert not Community.objects.filter(pk=pk).exists()
    assert not Membership.objects.filter(community_id=pk).exists()
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id, entry.target_repr) == (
        admin,
        "community.delete",
        str(pk),
        "Guild",
    )
    assert entry.before == {
        "name": "Guild",
        "slug": "guild",
        "visibility": Visibility.MODERATED,
        "members": 3,
        "pending": 2,
        "posts": 1,
    }
    assert entry.after is None


def test_delete_requires_the_exact_name(owner, admin):
    community = make(owner)
    for confirm in ("", "guild", "Guil", "Guild!", "GUILD", "Guild Guild"):
        with pytest.raises(ValidationError):
            community_delete(actor=admin, community=community, confirm_name=confirm)
    assert Community.objects.filter(pk=community.pk).exists()
    assert not AuditLogEntry.objects.exists()


def test_only_site_admins_delete(owner):
    community = make(owner)
    with pytest.raises(PermissionDenied):
        community_delete(actor=owner, community=community, confirm_name="Guild")
    assert Community.objects.filter(pk=community.pk).exists()


# ---------------------------------------------------------------- bulk add


def test_bulk_add_reports_every_row(owner, admin, sent, django_capture_on_commit_callbacks):
    community = make(owner, Visibility.PRIVATE)
    member = UserFactory(email="member@example.com")
    place(community, member, State.ACTIVE)
    banned = UserFactory(email="banned@example.com")
    place(community, banned, State.BANNED)
    invited = UserFactory(email="invited@example.com")
    place(community, invited, State.INVITED)
    UserFactory(email="gone@example.com", is_active=False)
    newcomer = UserFactory(email="new@example.com")
    lines = [
        "not-an-address",
        "",
        "nobody@example.com",
        "gone@example.com",
        "member@example.com",
        "banned@example.com",
        "  New@Example.com ",
        "new@example.com",
        "   ",
        "invited@example.com",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = community_bulk_add(actor=admin, community=community, emails=lines)
    assert [(r.line, r.email, r.ok, r.reason) for r in report] == [
        (1, "not-an-address", False, "not an e-mail address"),
        (3, "nobody@example.com", False, "no account with this address"),
        (4, "gone@example.com", False, "the account is deactivated"),
        (5, "member@example.com", False, "already a member"),
        (6, "banned@example.com", False, "banned from this community"),
        (7, "new@example.com", True, "added"),
        (8, "new@example.com", False, "listed twice"),
        (10, "invited@example.com", True, "added"),
    ]
    for person in (newcomer, invited):
        assert (state_of(community, person), role_of(community, person)) == (State.ACTIVE, Role.MEMBER)
    assert state_of(community, banned) == State.BANNED
    assert not Membership.objects.filter(community=community, user=admin).exists()
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (admin, "community.bulk_add", str(community.pk))
    assert entry.after == {"added": ["new@example.com", "invited@example.com"], "failed": 6}
    # the added members learn it, and (they are active) the community too
    assert sorted(group for group, _payload in sent) == sorted(
        [f"user.{newcomer.pk}", f"community.{community.pk}", f"user.{invited.pk}", f"community.{community.pk}"]
    )


def test_bulk_add_only_site_admins(owner):
    community = make(owner)
    UserFactory(email="someone@example.com")
    with pytest.raises(PermissionDenied):
        community_bulk_add(actor=owner, community=community, emails=["someone@example.com"])
    assert Membership.objects.filter(community=community).count() == 1


def test_bulk_add_of_blank_lines_reports_nothing(owner, admin):
    community = make(owner)
    assert community_bulk_add(actor=admin, community=community, emails=["", "  ", "\t"]) == []
    assert AuditLogEntry.objects.get().after == {"added": [], "failed": 0}


# ---------------------------------------------------------------- settings against a deletion


def _png(side=200):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


def test_settings_saved_for_a_community_deleted_meanwhile_do_not_bring_it_back(owner, admin, settings, tmp_path):
    """An owner's settings page was open while an administrator deleted the community: saving
    it must not insert the community again (save() on a vanished row inserts it), nor leave
    the new cover's files behind."""
    settings.MEDIA_ROOT = tmp_path
    community = make(owner)
    stale = Community.objects.get(pk=community.pk)
    services.community_delete(actor=admin, community=community, confirm_name=community.name)
    with pytest.raises(Community.DoesNotExist):
        community_update(actor=admin, community=stale, changes={"name": "Guild again"}, cover=_png())
    assert not Community.objects.filter(pk=stale.pk).exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_the_callers_community_is_the_one_saved(owner):
    community = make(owner, name="Guild")
    other_view = Community.objects.get(pk=community.pk)
    community_update(actor=owner, community=other_view, changes={"description": "Weekly"})
    community_update(actor=owner, community=community, changes={"name": "Guild of makers"})
    community.refresh_from_db()
    assert (community.name, community.description) == ("Guild of makers", "Weekly")
    assert other_view.description == "Weekly"
