"""Writes to communities: creation, settings, the membership life cycle, admin actions.

Every membership change goes through `membership_transition`, whose TRANSITIONS map
declares what may happen from which state, to which state, and who may do it. Every
change emits its event after commit. Whatever a manager (an owner, a moderator, a site
administrator) does to others' memberships or to the community is audited in the same
transaction (tests/test_audit_log.py lists these services); what people do to their own
membership is not."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.communities import addresses
from apps.communities.covers import delete_cover_file, render_cover
from apps.communities.models import Community, Membership, Role, State, Visibility, is_site_admin
from apps.communities.signals import stored_files_going_with
from apps.core.broadcast import broadcast_on_commit, group_name, recheck_subscriptions_on_commit
from apps.core.text import fold, render_markdown, substring_search_text
from apps.facts.services import fact_record
from apps.files.pictures import validate_picture
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


def role_of(*, user, community: Community) -> str | None:
    """The user's role in the community if an active member, else None."""
    membership = Membership.objects.filter(community=community, user=user, state=State.ACTIVE).first()
    return membership.role if membership else None


def can_manage(*, user, community: Community, level: str) -> bool:
    """level MODERATOR: owners and moderators; OWNER: owners. Site admins always."""
    if is_site_admin(user):
        return True
    role = role_of(user=user, community=community)
    if level == OWNER:
        return role == Role.OWNER
    return role in (Role.OWNER, Role.MODERATOR)


def _active_owner_count(community: Community) -> int:
    return Membership.objects.filter(community=community, state=State.ACTIVE, role=Role.OWNER).count()


def _emit(community: Community, membership: Membership, action: str) -> None:
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
        _emit(community, membership, action)
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
        _emit(community, membership, "role")
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


def _index(community: Community) -> None:
    community.search_text = substring_search_text(" ".join([community.name, community.description, *community.tags]))
    community.sort_name = fold(community.name)[:120]
    community.description_html = render_markdown(community.description)


def _clean_tags(tags) -> list[str]:
    cleaned = []
    for tag in tags or []:
        tag = " ".join(str(tag).split())[:40]
        if tag and fold(tag) not in {fold(t) for t in cleaned}:
            cleaned.append(tag)
    if len(cleaned) > 10:
        raise ValidationError({"tags": _("At most 10 tags.")})
    return cleaned


def community_create(
    *, actor, name: str, description: str = "", visibility: str = Visibility.PUBLIC, tags=None, owner=None
) -> Community:
    """Any employee creates a community and owns it; a site admin may create it for someone else."""
    owner = owner or actor
    if owner.pk != actor.pk and not is_site_admin(actor):
        raise PermissionDenied(_("Only site administrators create communities for someone else."))
    if not owner.is_active:
        raise ValidationError({"owner": _("The owner must be a current employee.")})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the community a name.")})
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose public, moderated or private.")})
    with transaction.atomic():
        community = Community(
            name=name[:120],
            description=description or "",
            visibility=visibility,
            tags=_clean_tags(tags),
            created_by=actor,
        )
        _index(community)
        # Its address tells nobody whether a private community has this name (see addresses).
        addresses.save_with_new_slug(community)
        Membership.objects.create(community=community, user=owner, role=Role.OWNER, state=State.ACTIVE)
        if owner.pk != actor.pk:
            audit_record(
                actor=actor,
                action="community.create",
                target=community,
                before=None,
                after={"name": community.name, "owner": owner.pk, "visibility": visibility},
            )
    return community


SETTINGS_FIELDS = ("name", "description", "tags", "visibility")


def community_update(
    *, actor, community: Community, changes: dict, cover=None, remove_cover: bool = False
) -> Community:
    if not can_manage(user=actor, community=community, level=OWNER):
        raise PermissionDenied(_("Only owners change the settings."))
    if community.is_archived and not is_site_admin(actor):
        raise ValidationError(_("This community is archived: nothing can change in it."))
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "visibility" in changes and changes["visibility"] not in Visibility.values:
        raise ValidationError({"visibility": _("Choose public, moderated or private.")})
    if "name" in changes and not " ".join((changes["name"] or "").split()):
        raise ValidationError({"name": _("Give the community a name.")})
    # The picture is checked before anything is written: a refused file changes nothing. It
    # is decoded before the row is locked; its files have fresh names, deleted if the edit fails.
    image = validate_picture(cover) if cover is not None else None
    rendered = render_cover(image, community_id=community.pk) if image is not None else None
    try:
        saved = _community_write(
            actor=actor, community_id=community.pk, changes=changes, rendered=rendered, remove_cover=remove_cover
        )
    except BaseException:
        if rendered:
            delete_cover_file(rendered)
        raise
    for field in Community._meta.concrete_fields:  # the caller's object is the community as saved
        setattr(community, field.attname, getattr(saved, field.attname))
    return community


def _community_write(*, actor, community_id: int, changes: dict, rendered, remove_cover: bool) -> Community:
    with transaction.atomic():
        # Locked and read afresh: two owners' edits do not interleave, and a community deleted
        # meanwhile is not written back (save() would insert it again): DoesNotExist.
        community = Community.objects.select_for_update().get(pk=community_id)
        if community.is_archived and not is_site_admin(actor):
            raise ValidationError(_("This community is archived: nothing can change in it."))
        before = {field: getattr(community, field) for field in SETTINGS_FIELDS}
        before_slug = community.slug
        if rendered is not None or remove_cover:
            old = community.cover
            community.cover = rendered if rendered is not None else {}
            transaction.on_commit(lambda: delete_cover_file(old))
        for field, value in changes.items():
            if field == "tags":
                value = _clean_tags(value)
            elif field == "name":
                value = " ".join(value.split())[:120]
            setattr(community, field, value)
        _index(community)
        if (before["visibility"] == Visibility.PRIVATE) != (community.visibility == Visibility.PRIVATE):
            # Made private, it gives up its readable address; made public, it takes one.
            addresses.save_with_new_slug(community)
        else:
            community.save()
        after = {field: getattr(community, field) for field in SETTINGS_FIELDS}
        broadcast_on_commit(
            group_name("community", community.pk),
            {"type": "community.changed", "community": community.pk, "visibility": community.visibility},
        )
        if before["visibility"] != community.visibility:
            # Made private, outsiders' sockets leave its group; made public, everyone's join.
            recheck_subscriptions_on_commit(group_name("company", "all"), community_id=community.pk)
        before["slug"], after["slug"] = before_slug, community.slug
        if before != after or rendered is not None or remove_cover:
            # Owners and site administrators alike: a rename or a change of visibility concerns every member.
            after["cover_changed"] = rendered is not None or remove_cover
            audit_record(actor=actor, action="community.update", target=community, before=before, after=after)
    return community


def _admin_only(actor) -> None:
    if not is_site_admin(actor):
        raise PermissionDenied(_("Only site administrators can do that."))


def community_transfer(*, actor, community: Community, new_owner) -> Community:
    """Site admin: make `new_owner` an owner, and the former owners plain members."""
    _admin_only(actor)
    if not new_owner.is_active:
        raise ValidationError(_("The new owner must be a current employee."))
    with transaction.atomic():
        owners = list(
            Membership.objects.select_for_update()
            .filter(community=community, state=State.ACTIVE, role=Role.OWNER)
            .values_list("user_id", flat=True)
        )
        Membership.objects.filter(community=community, role=Role.OWNER, state=State.ACTIVE).exclude(
            user=new_owner
        ).update(role=Role.MEMBER, updated_at=timezone.now())
        Membership.objects.update_or_create(
            community=community, user=new_owner, defaults={"role": Role.OWNER, "state": State.ACTIVE}
        )
        audit_record(
            actor=actor,
            action="community.transfer",
            target=community,
            before={"owners": owners},
            after={"owners": [new_owner.pk]},
        )
        broadcast_on_commit(
            group_name("community", community.pk), {"type": "community.changed", "community": community.pk}
        )
        recheck_subscriptions_on_commit(group_name("user", new_owner.pk), community_id=community.pk)
    return community


def community_archive(*, actor, community: Community, archived: bool) -> Community:
    _admin_only(actor)
    with transaction.atomic():
        before = community.archived_at
        community.archived_at = timezone.now() if archived else None
        community.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            actor=actor,
            action="community.archive" if archived else "community.restore",
            target=community,
            before={"archived_at": before},
            after={"archived_at": community.archived_at},
        )
    return community


def community_delete_summary(community: Community) -> dict:
    """What deleting the community takes with it, to name it in the confirmation."""
    return {
        "members": Membership.objects.filter(community=community, state=State.ACTIVE).count(),
        "pending": Membership.objects.filter(community=community, state__in=[State.REQUESTED, State.INVITED]).count(),
        "posts": community.posts.count(),
    }


def community_delete(*, actor, community: Community, confirm_name: str) -> None:
    _admin_only(actor)
    if confirm_name.strip() != community.name:
        raise ValidationError({"confirm_name": _("Type the community's exact name to confirm.")})
    from apps.files.attachments import delete_files  # loads Pillow: not in every process

    with transaction.atomic():
        community = Community.objects.select_for_update().filter(pk=community.pk).first()
        if community is None:
            return  # deleted meanwhile, by another administrator
        # The rows of higher apps that go with it (posts and their attachments) are locked
        # now, before anything is deleted, and name the stored files to delete after the
        # commit (apps/feeds/receivers.py says in which order, and why).
        stored = stored_files_going_with(community)
        cover = community.cover
        summary = community_delete_summary(community)
        audit_record(
            actor=actor,
            action="community.delete",
            target=community,
            before={"name": community.name, "slug": community.slug, "visibility": community.visibility, **summary},
            after=None,
        )
        community_id = community.pk
        community.delete()
        recheck_subscriptions_on_commit(group_name("community", community_id), community_id=community_id)
        transaction.on_commit(lambda: delete_files(stored))
        transaction.on_commit(lambda: delete_cover_file(cover))


@dataclass
class BulkRow:
    line: int
    email: str
    ok: bool
    reason: str


def community_bulk_add(*, actor, community: Community, emails: list[str]) -> list[BulkRow]:
    """Site admin: add people as members by e-mail; one report row per input line."""
    from django.contrib.auth import get_user_model
    from django.core.validators import validate_email

    _admin_only(actor)
    if community.is_archived:
        raise ValidationError(_("This community is archived: nothing can change in it."))
    report, seen = [], set()
    wanted = {e.strip().lower() for e in emails if e.strip()}
    users = {}
    for user in get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted):
        users[user.email.lower()] = user
    with transaction.atomic():
        for line, raw in enumerate(emails, start=1):
            email = raw.strip().lower()
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                report.append(BulkRow(line, raw.strip(), False, _("not an e-mail address")))
                continue
            if email in seen:
                report.append(BulkRow(line, email, False, _("listed twice")))
                continue
            seen.add(email)
            user = users.get(email)
            if user is None:
                report.append(BulkRow(line, email, False, _("no account with this address")))
            elif not user.is_active:
                report.append(BulkRow(line, email, False, _("the account is deactivated")))
            else:
                membership = Membership.objects.filter(community=community, user=user).first()
                if membership and membership.state == State.ACTIVE:
                    report.append(BulkRow(line, email, False, _("already a member")))
                elif membership and membership.state == State.BANNED:
                    report.append(BulkRow(line, email, False, _("banned from this community")))
                else:
                    membership = membership or Membership(community=community, user=user)
                    membership.state, membership.role = State.ACTIVE, Role.MEMBER
                    membership.save()
                    _emit(community, membership, "added")
                    report.append(BulkRow(line, email, True, _("added")))
        audit_record(
            actor=actor,
            action="community.bulk_add",
            target=community,
            before=None,
            after={"added": [r.email for r in report if r.ok], "failed": len([r for r in report if not r.ok])},
        )
    return report
