"""Comparing a snapshot with the database: what a run would create, change, deactivate."""

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _

from apps.directory import mapping
from apps.directory.models import DirectoryAccount, DirectorySource, StatusOwner
from apps.directory.services.read import Snapshot
from apps.profiles.models import Profile

DIFF_CAP = 500  # entries kept per list in a run's diff: the counts stay exact


@dataclass
class Change:
    record: mapping.Record
    user_id: int | None  # None: an account to create
    changes: dict = field(default_factory=dict)  # field -> [old, new], for the diff
    old: dict = field(default_factory=dict)  # current values of the fields the directory does not own


@dataclass
class Plan:
    writes: list[Change] = field(default_factory=list)  # created, adopted or changed entries
    created: int = 0
    adopted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_disabled: int = 0
    deactivate: list[tuple[int, str, str]] = field(default_factory=list)  # (user id, e-mail, why)
    reactivate: list[tuple[int, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # external ids no longer in the directory
    # External ids read again whose link is marked missing: the mark goes, whatever else changes.
    returned: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    limit: int = 0
    linked: int = 0
    # Community id -> external ids of its mapped group's members; and what that would change.
    groups: dict[int, list[str]] = field(default_factory=dict)
    membership_changes: dict[str, dict] = field(default_factory=dict)  # slug -> {"added": n, "removed": n}
    # Mapped groups that came back empty although they had brought people in: suspicious.
    emptied_groups: list[str] = field(default_factory=list)

    @property
    def memberships_removed(self) -> int:
        return sum(change["removed"] for change in self.membership_changes.values())

    def counts(self) -> dict:
        return {
            "created": self.created,
            "adopted": self.adopted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivate),
            "reactivated": len(self.reactivate),
            "skipped_disabled": self.skipped_disabled,
            "errors": len(self.errors),
            "memberships_added": sum(c["added"] for c in self.membership_changes.values()),
            "memberships_removed": sum(c["removed"] for c in self.membership_changes.values()),
        }

    def diff(self) -> dict:
        return {
            "created": [c.record.email for c in self.writes if c.user_id is None][:DIFF_CAP],
            "adopted": [c.record.email for c in self.writes if c.user_id is not None and "adopted" in c.changes][
                :DIFF_CAP
            ],
            "updated": [
                {"email": c.record.email, "changes": c.changes}
                for c in self.writes
                if c.user_id is not None and c.changes and "adopted" not in c.changes
            ][:DIFF_CAP],
            "deactivated": [{"email": email, "why": why} for _id, email, why in self.deactivate][:DIFF_CAP],
            "reactivated": [email for _id, email in self.reactivate][:DIFF_CAP],
            "errors": self.errors[:DIFF_CAP],
            "memberships": self.membership_changes,
        }


def deactivation_limit(source: DirectorySource, linked: int) -> int:
    if source.deactivation_limit is not None:
        return source.deactivation_limit
    return max(settings.DIRECTORY_DEACTIVATION_MIN, math.ceil(linked * settings.DIRECTORY_DEACTIVATION_PERCENT / 100))


def plan_make(source: DirectorySource, snapshot: Snapshot) -> Plan:
    plan = Plan(errors=list(snapshot.errors))
    links = {
        row[0]: row[1:]
        for row in DirectoryAccount.objects.filter(source=source).values_list(
            "external_id",
            "user_id",
            "values_hash",
            "status_owner",
            "deactivated_by_sync",
            "user__is_active",
            "user__email",
            "missing_since",
        )
    }
    plan.linked = len(links)
    by_user = {link[0]: (link[2], link[3]) for link in links.values()}  # user id -> (status owner, by sync)
    linked_entry = {link[0]: external_id for external_id, link in links.items()}  # user id -> external id
    owns_status = source.owns_account_status
    by_user_email: dict[str, tuple[int, bool]] = {}
    unlinked = [r for r in snapshot.records.values() if r.external_id not in links]
    if unlinked:
        emails = [r.email for r in unlinked]
        by_user_email = {email: (pk, active) for pk, email, active in _users_by_email(emails)}
    email_changes: list[Change] = []
    for record in snapshot.records.values():
        link = links.get(record.external_id)
        if link is None:
            match = by_user_email.get(record.email)
            if match is None:
                if record.disabled:
                    plan.skipped_disabled += 1
                    continue
                plan.writes.append(Change(record=record, user_id=None))
                plan.created += 1
                continue
            # Also when the account is linked to an entry that is gone (re-created with a new
            # id): the account follows its person to the new entry. Not when that entry is
            # still there: two entries would claim one account.
            user_id, active = match
            current = linked_entry.get(user_id)
            if current is not None and current in snapshot.seen:
                plan.errors.append({"dn": record.dn, "reason": _(
                    "The account with the address %(email)s belongs to another entry of this directory."
                ) % {"email": record.email}})  # fmt: skip
                continue
            plan.writes.append(Change(record=record, user_id=user_id, changes={"adopted": [None, record.dn]}))
            plan.adopted += 1
            previous = by_user.get(user_id)  # the link of the entry it leaves, if any
            directory_decides = owns_status and (previous is None or previous[0] == StatusOwner.DIRECTORY)
            if directory_decides and record.disabled and active:
                plan.deactivate.append((user_id, record.email, record.disabled))
            elif directory_decides and not record.disabled and not active and previous and previous[1]:
                plan.reactivate.append((user_id, record.email))
            continue
        user_id, values_hash, status_owner, by_sync, active, email, missing_since = link
        if values_hash != record.values_hash:
            change = Change(record=record, user_id=user_id)
            plan.writes.append(change)
            if record.email != email.lower():
                email_changes.append(change)
        else:
            plan.unchanged += 1
        if owns_status and status_owner == StatusOwner.DIRECTORY:
            if record.disabled and active:
                plan.deactivate.append((user_id, record.email, record.disabled))
            elif not record.disabled and not active and by_sync:
                plan.reactivate.append((user_id, record.email))
    adopted = {c.user_id for c in plan.writes if "adopted" in c.changes}
    for external_id, (user_id, _hash, status_owner, _by_sync, active, email, missing_since) in links.items():
        if external_id in snapshot.seen:
            if missing_since is not None:
                plan.returned.append(external_id)
            continue
        if user_id in adopted:
            continue
        plan.missing.append(external_id)
        if owns_status and status_owner == StatusOwner.DIRECTORY and active:
            plan.deactivate.append((user_id, email, "missing"))
    _refuse_taken_emails(plan, email_changes)
    _describe_changes(source, plan, snapshot)
    plan.limit = deactivation_limit(source, plan.linked)
    _plan_groups(source, plan, snapshot)
    return plan


def _plan_groups(source: DirectorySource, plan: Plan, snapshot: Snapshot) -> None:
    """Members of a mapped group join its community (several groups may feed one); people a
    group had brought in and who left the group leave it. Nobody is re-added after leaving or
    being banned by hand; a deactivated person keeps their memberships for when they return."""
    if not snapshot.groups:
        return
    from apps.communities.models import Community, Membership, Role, State
    from apps.directory.models import DirectoryMembership

    communities = dict(
        Community.objects.filter(slug__in=source.group_communities.values(), archived_at__isnull=True).values_list(
            "slug", "pk"
        )
    )
    links = dict(DirectoryAccount.objects.filter(source=source).values_list("external_id", "user_id"))
    # People who left (or are leaving in this run) keep their memberships for their return.
    away = {user_id for user_id, _email, _why in plan.deactivate} | set(
        DirectoryAccount.objects.filter(source=source, user__is_active=False).values_list("user_id", flat=True)
    )
    fed: dict[int, tuple[str, set[str], list[str]]] = {}  # community id -> (slug, members, group DNs)
    for group_dn, members in snapshot.groups.items():
        slug = source.group_communities[group_dn]
        community_id = communities.get(slug)
        if community_id is None:
            plan.errors.append({"dn": group_dn, "reason": _("No open community at %(slug)s.") % {"slug": slug}})
            continue
        _slug, union, dns = fed.setdefault(community_id, (slug, set(), []))
        union |= members
        dns.append(group_dn)
    for community_id, (slug, members, dns) in fed.items():
        plan.groups[community_id] = sorted(members)
        wanted = {links[m] for m in members if m in links}
        newcomers = sum(1 for m in members if m not in links and m in snapshot.records)
        rows = dict(Membership.objects.filter(community_id=community_id).values_list("user_id", "state"))
        brought = set(
            DirectoryMembership.objects.filter(source=source, community_id=community_id).values_list(
                "user_id", flat=True
            )
        )
        active_members = set(
            Membership.objects.filter(community_id=community_id, state=State.ACTIVE, role=Role.MEMBER).values_list(
                "user_id", flat=True
            )
        )
        plan.membership_changes[slug] = {
            "added": sum(1 for user_id in wanted if user_id not in rows) + newcomers,
            "removed": len((brought - wanted - away) & active_members),
        }
        if not members and brought:
            plan.emptied_groups.extend(dns)


def _users_by_email(emails: list[str]) -> list[tuple[int, str, bool]]:
    """(id, lower-case address, active) of the accounts with these addresses: one array
    parameter, where `__in` would send 100,000 placeholders."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, lower(email), is_active FROM accounts_user WHERE lower(email) = ANY(%s)", [list(emails)]
        )
        return cursor.fetchall()


def _refuse_taken_emails(plan: Plan, email_changes: list[Change]) -> None:
    """A new address that another account already has: that entry is reported, not written."""
    if not email_changes:
        return
    taken = {email: pk for pk, email, _active in _users_by_email([c.record.email for c in email_changes])}
    refused = set()
    for change in email_changes:
        holder = taken.get(change.record.email)
        if holder is not None and holder != change.user_id:
            refused.add(id(change))
            plan.errors.append(
                {
                    "dn": change.record.dn,
                    "reason": _("Another account has the address %(email)s.") % {"email": change.record.email},
                }
            )
    plan.writes = [c for c in plan.writes if id(c) not in refused]


def _describe_changes(source: DirectorySource, plan: Plan, snapshot: Snapshot) -> None:
    """Field by field, old and new, for the diff; and the current values the write keeps."""
    existing = [c for c in plan.writes if c.user_id is not None]
    if not existing:
        return
    owned = mapping.owned_profile_fields(source)
    user_ids = [c.user_id for c in existing]
    columns = ["user_id", "display_name", "job_title", "department", "team", "location", "manager__user__email"]
    profiles = {
        row["user_id"]: row
        for row in Profile.objects.filter(user_id__in=user_ids).values(
            *columns, *[name for name in owned if name not in columns and name != "manager"]
        )
    }
    users = {
        row["id"]: row
        for row in get_user_model().objects.filter(id__in=user_ids).values("id", "email", "first_name", "last_name")
    }
    skills: dict[int, list[str]] = {}
    for user_id, name in Profile.skills.through.objects.filter(profile__user_id__in=user_ids).values_list(
        "profile__user_id", "skill__name"
    ):
        skills.setdefault(user_id, []).append(name)
    for change in existing:
        record, user, profile = change.record, users.get(change.user_id, {}), profiles.get(change.user_id, {})
        change.old = {**profile, "skills": skills.get(change.user_id, [])}
        for name in ("email", "first_name", "last_name"):
            old, new = user.get(name, ""), getattr(record, name)
            if (old.lower() if name == "email" else old) != new:
                change.changes[name] = [old, new]
        for name, new in record.profile.items():
            old = profile.get(name, "" if name != "start_date" else None)
            if old != new:
                change.changes[name] = [_shown(old), _shown(new)]
        if "manager" in owned:
            new_manager = snapshot.records.get(record.manager_external_id)
            old, new = profile.get("manager__user__email") or "", new_manager.email if new_manager else ""
            if old.lower() != new:
                change.changes["manager"] = [old, new]
        if "adopted" not in change.changes and change.changes:
            plan.updated += 1


def _shown(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
