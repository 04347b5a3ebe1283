"""Comparing a snapshot with the database: what a run would create, change, deactivate."""

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from apps.directory.models import DirectoryAccount, DirectorySource, StatusOwner
from apps.directory.services.read import Snapshot

DIFF_CAP = 500  # entries kept per list in a run's diff: the counts stay exact


@dataclass(frozen=True)
class Link:
    """What the database holds of an entry's link, as the plan compares it."""

    user_id: int
    values_hash: str
    status_owner: str
    deactivated_by_sync: bool
    active: bool
    email: str
    missing_since: object
    dn: str
    username: str
    directory_status: str


@dataclass
class Change:
    record: object  # mapping.Record
    user_id: int | None  # None: an account to create
    changes: dict = field(default_factory=dict)  # field -> [old, new], for the diff
    old: dict = field(default_factory=dict)  # current values of the fields the directory does not own
    adopted: bool = False  # an existing account linked to this entry (by its address)
    link: Link | None = None  # the account's link before this run, if any


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
    # External id -> account, after this run: links, and the accounts adopted by new entries.
    accounts: dict[str, int] = field(default_factory=dict)
    # Community id -> external ids of its mapped group's members; and what that would change.
    groups: dict[int, list[str]] = field(default_factory=dict)
    membership_changes: dict[str, dict] = field(default_factory=dict)  # slug -> {"added": n, "removed": n}
    # Mapped groups that came back empty although they had brought people in: suspicious.
    emptied_groups: list[str] = field(default_factory=list)
    unresolved_managers: list[dict] = field(default_factory=list)  # see Snapshot
    unresolved_members: list[dict] = field(default_factory=list)

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
            "managers_unresolved": len(self.unresolved_managers),
            "members_unresolved": len(self.unresolved_members),
        }

    def diff(self) -> dict:
        return {
            "created": [c.record.email for c in self.writes if c.user_id is None][:DIFF_CAP],
            "adopted": [c.record.email for c in self.writes if c.adopted][:DIFF_CAP],
            "updated": [
                {"email": c.record.email, "changes": c.changes}
                for c in self.writes
                if c.user_id is not None and c.changes
            ][:DIFF_CAP],
            "deactivated": [{"email": email, "why": why} for _id, email, why in self.deactivate][:DIFF_CAP],
            "reactivated": [email for _id, email in self.reactivate][:DIFF_CAP],
            "errors": self.errors[:DIFF_CAP],
            "memberships": self.membership_changes,
            "unresolved": {
                "managers": self.unresolved_managers[:DIFF_CAP],
                "members": self.unresolved_members[:DIFF_CAP],
            },
        }


def deactivation_limit(source: DirectorySource, linked: int) -> int:
    if source.deactivation_limit is not None:
        return source.deactivation_limit
    return max(settings.DIRECTORY_DEACTIVATION_MIN, math.ceil(linked * settings.DIRECTORY_DEACTIVATION_PERCENT / 100))


def _links(source: DirectorySource) -> dict[str, Link]:
    rows = DirectoryAccount.objects.filter(source=source).values_list(
        "external_id", "user_id", "values_hash", "status_owner", "deactivated_by_sync", "user__is_active",
        "user__email", "missing_since", "dn", "username", "directory_status",
    )  # fmt: skip
    return {row[0]: Link(*row[1:]) for row in rows}


def plan_make(source: DirectorySource, snapshot: Snapshot) -> Plan:
    # They build on Plan and Change: imported here, not at the top (they import this module).
    from apps.directory.services.plan_changes import changes_describe, taken_emails_refuse, users_by_email
    from apps.directory.services.plan_groups import groups_plan

    plan = Plan(
        errors=list(snapshot.errors),
        unresolved_managers=snapshot.unresolved_managers,
        unresolved_members=snapshot.unresolved_members,
    )
    links = _links(source)
    plan.linked = len(links)
    by_user = {link.user_id: link for link in links.values()}
    linked_entry = {link.user_id: external_id for external_id, link in links.items()}  # user id -> external id
    owns_status = source.owns_account_status
    by_user_email: dict[str, tuple[int, bool]] = {}
    unlinked = [r for r in snapshot.records.values() if r.external_id not in links]
    if unlinked:
        by_user_email = {email: (pk, active) for pk, email, active in users_by_email([r.email for r in unlinked])}
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
            previous = by_user.get(user_id)  # the link of the entry it leaves, if any
            plan.writes.append(Change(record=record, user_id=user_id, adopted=True, link=previous))
            plan.adopted += 1
            directory_decides = owns_status and (previous is None or previous.status_owner == StatusOwner.DIRECTORY)
            if directory_decides and record.disabled and active:
                plan.deactivate.append((user_id, record.email, record.disabled))
            elif directory_decides and not record.disabled and not active and previous and previous.deactivated_by_sync:
                plan.reactivate.append((user_id, record.email))
            continue
        if link.values_hash != record.values_hash:
            change = Change(record=record, user_id=link.user_id, link=link)
            plan.writes.append(change)
            if record.email != link.email.lower():
                email_changes.append(change)
        else:
            plan.unchanged += 1
        if owns_status and link.status_owner == StatusOwner.DIRECTORY:
            if record.disabled and link.active:
                plan.deactivate.append((link.user_id, record.email, record.disabled))
            elif not record.disabled and not link.active and link.deactivated_by_sync:
                plan.reactivate.append((link.user_id, record.email))
    adopted = {c.user_id for c in plan.writes if c.adopted}
    for external_id, link in links.items():
        if external_id in snapshot.seen:
            if link.missing_since is not None:
                plan.returned.append(external_id)
            continue
        if link.user_id in adopted:
            continue
        plan.missing.append(external_id)
        if owns_status and link.status_owner == StatusOwner.DIRECTORY and link.active:
            plan.deactivate.append((link.user_id, link.email, "missing"))
    taken_emails_refuse(plan, email_changes)
    changes_describe(source, plan, snapshot)
    plan.limit = deactivation_limit(source, plan.linked)
    # Who each entry is after this run: a re-created entry (a new id) is its adopted account.
    plan.accounts = {
        external_id: link.user_id for external_id, link in links.items() if link.user_id not in adopted
    } | {c.record.external_id: c.user_id for c in plan.writes if c.adopted}
    groups_plan(source, plan, snapshot)
    return plan
