"""What only site administrators do to a community: hand it to a new owner, archive or
restore it, delete it, add people by e-mail. Each act is audited in the same transaction."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.communities.covers import delete_cover_file
from apps.communities.models import Community, Membership, Role, State, is_site_admin
from apps.communities.selectors import community_delete_summary
from apps.communities.services.memberships import announce_membership
from apps.communities.signals import stored_files_going_with
from apps.core.broadcast import broadcast_on_commit, group_name, recheck_subscriptions_on_commit
from apps.moderation.services import audit_record


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
                    announce_membership(community, membership, "added")
                    report.append(BulkRow(line, email, True, _("added")))
        audit_record(
            actor=actor,
            action="community.bulk_add",
            target=community,
            before=None,
            after={"added": [r.email for r in report if r.ok], "failed": len([r for r in report if not r.ok])},
        )
    return report
