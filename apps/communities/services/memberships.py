"""Memberships: the life cycle (join, request, invite, approve, leave, ban...), roles, and
invitations of a whole department.

Every membership change goes through `membership_transition`, whose TRANSITIONS map
declares what may happen from which state, to which state, and who may do it. Every
change emits its event after commit. What a manager (an owner, a moderator, a site
administrator) does to others' memberships is audited in the same transaction; what people
do to their own membership is not."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.communities.models import MODERATING_ROLES, Community, Membership, Role, State, Visibility, is_site_admin
from apps.communities.selectors import role_of
from apps.core.broadcast import broadcast_on_commit, group_name, recheck_subscriptions_on_commit
from apps.facts.services import fact_record
from apps.moderation.services import audit_record

SELF, MODERATOR, OWNER = "self", "moderator", "owner"
NONE = None  # no membership row yet
# The membership changes that somebody hears about (see apps/notifications/planning.py).
NOTIFIED_ACTIONS = {"invite": "membership.invited", "request": "membership.requested", "approve": "membership.approved"}
OUTSIDE = {NONE, State.LEFT, State.DECLINED, State.DENIED, State.REMOVED}


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    by: str  # SELF: the person concerned; MODERATOR / OWNER: a manager of the community
    visibilities: frozenset = frozenset(Visibility.values)


TRANSITIONS: dict[str, Transition] = {
    "join": Transition(frozenset(OUTSIDE), State.ACTIVE, SELF, frozenset({Visibility.PUBLIC})),
    "request": Transition(frozenset(OUTSIDE), State.REQUESTED, SELF, frozenset({Visibility.MODERATED})),
    "cancel": Transition(frozenset({State.REQUESTED}), State.LEFT, SELF),
    "approve": Transition(frozenset({State.REQUESTED}), State.ACTIVE, MODERATOR),
    "deny": Transition(frozenset({State.REQUESTED}), State.DENIED, MODERATOR),
    "invite": Transition(frozenset(OUTSIDE | {State.REQUESTED}), State.INVITED, MODERATOR),
    "accept": Transition(frozenset({State.INVITED}), State.ACTIVE, SELF),
    "decline": Transition(frozenset({State.INVITED}), State.DECLINED, SELF),
    "leave": Transition(frozenset({State.ACTIVE}), State.LEFT, SELF),
    "remove": Transition(frozenset({State.ACTIVE, State.INVITED}), State.REMOVED, MODERATOR),
    "ban": Transition(frozenset(OUTSIDE | {State.ACTIVE, State.REQUESTED, State.INVITED}), State.BANNED, MODERATOR),
    "unban": Transition(frozenset({State.BANNED}), State.REMOVED, MODERATOR),
}


def can_manage(*, user, community: Community, level: str) -> bool:
    """level MODERATOR: owners and moderators; OWNER: owners. Site admins always."""
    if is_site_admin(user):
        return True
    role = role_of(user=user, community=community)
    if level == OWNER:
        return role == Role.OWNER
    return role in MODERATING_ROLES


def _active_owner_count(community: Community) -> int:
    return Membership.objects.filter(community=community, state=State.ACTIVE, role=Role.OWNER).count()


def announce_membership(community: Community, membership: Membership, action: str) -> None:
    """After the commit: tell the person's sockets (and the community's, unless that would
    show a private community's non-members), and let their sockets follow the change."""
    payload = {
        "type": "membership.changed",
        "community": community.pk,
        "user": membership.user_id,
        "action": action,
        "state": membership.state,
        "role": membership.role,
    }
    broadcast_on_commit(group_name("user", membership.user_id), payload)
    if community.visibility != Visibility.PRIVATE or membership.state == State.ACTIVE:
        broadcast_on_commit(group_name("community", community.pk), payload)
    if action == "role":
        return  # a member stays a member: what their sockets follow does not change
    # The person's open sockets join or leave the community's group from this commit on.
    recheck_subscriptions_on_commit(group_name("user", membership.user_id), community_id=community.pk)


def membership_transition(*, actor, community: Community, user, action: str, message: str = "") -> Membership:
    """Move `user`'s membership of `community` by `action`; anything undeclared raises."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unknown membership change: %(action)s.") % {"action": action})
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        if community.is_archived:
            raise ValidationError(_("This community is archived: nothing can change in it."))
        membership = Membership.objects.select_for_update().filter(community=community, user=user).first()
        source = membership.state if membership else NONE
        if transition.by == SELF:
            if actor.pk != user.pk:
                raise PermissionDenied(_("Only the person concerned can do that."))
        elif not can_manage(user=actor, community=community, level=transition.by):
            raise PermissionDenied(_("Only the community's owners and moderators can do that."))
        if source not in transition.sources:
            raise ValidationError(
                _("Not possible from here (%(state)s).")
                % {"state": State(source).label if source else _("not a member")}
            )
        if community.visibility not in transition.visibilities:
            raise ValidationError(
                _("This community does not work that way: %(visibility)s.")
                % {"visibility": community.get_visibility_display()}
            )
        if source == State.ACTIVE and membership.role == Role.OWNER and transition.target != State.ACTIVE:
            if _active_owner_count(community) <= 1:
                raise ValidationError(_("A community always keeps an owner: name another owner first."))
            if transition.by != SELF and not can_manage(user=actor, community=community, level=OWNER):
                raise PermissionDenied(_("Only owners can remove or ban an owner."))
        if membership is None:
            membership = Membership(community=community, user=user)
        membership.state = transition.target
        if source != State.ACTIVE:
            membership.role = Role.MEMBER
        if action == "request":
            membership.message = message.strip()[:1000]
        if action == "invite":
            membership.invited_by = actor
        membership.save()
        announce_membership(community, membership, action)
        if action in NOTIFIED_ACTIONS:
            fact_record(event=NOTIFIED_ACTIONS[action], actor=actor, community=community.pk, user=user.pk)
        if transition.by != SELF:  # a manager acted on someone else's membership
            audit_record(
                actor=actor,
                action=f"community.membership.{action}",
                target=community,
                before={"user": user.pk, "state": source},
                after={"user": user.pk, "state": membership.state},
            )
    return membership


def membership_set_role(*, actor, community: Community, user, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        if not can_manage(user=actor, community=community, level=OWNER):
            raise PermissionDenied(_("Only owners change roles."))
        membership = (
            Membership.objects.select_for_update().filter(community=community, user=user, state=State.ACTIVE).first()
        )
        if membership is None:
            raise ValidationError(_("Only members have a role."))
        if membership.role == Role.OWNER and role != Role.OWNER and _active_owner_count(community) <= 1:
            raise ValidationError(_("A community always keeps an owner: name another owner first."))
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        announce_membership(community, membership, "role")
        audit_record(
            actor=actor,
            action="community.role",
            target=community,
            before={"user": user.pk, "role": before},
            after={"user": user.pk, "role": role},
        )
    return membership


def invite_department(*, actor, community: Community, department: str) -> dict:
    """Invite every current employee of a department who is not in the community yet."""
    from apps.profiles.models import Profile

    invited, skipped = [], 0
    users = [p.user for p in Profile.objects.active().filter(department=department).select_related("user")]
    with transaction.atomic():
        for user in users:
            try:
                # Each invitation is audited on its own (membership_transition), in this transaction.
                membership_transition(actor=actor, community=community, user=user, action="invite")
                invited.append(user.pk)
            except ValidationError:
                skipped += 1
        if invited:
            audit_record(
                actor=actor,
                action="community.invite_department",
                target=community,
                before=None,
                after={"department": department, "invited": invited, "skipped": skipped},
            )
    return {"invited": len(invited), "skipped": skipped}


def membership_mark_seen(*, user, community_id: int, shown_at=None) -> None:
    """The member saw the community's posts as they were at `shown_at` (when the page was
    rendered; now if unknown): a post made since stays new. Never moves the mark back (one
    UPDATE; nothing for a non-member)."""
    from django.db.models import F
    from django.db.models.functions import Greatest
    from django.utils import timezone

    now = timezone.now()
    moment = min(shown_at, now) if shown_at else now
    Membership.objects.filter(user=user, community_id=community_id, state=State.ACTIVE).update(
        last_seen_at=Greatest(F("last_seen_at"), moment)
    )
