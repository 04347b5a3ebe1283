"""What a plan's writes change, field by field: the diff an administrator reads, and the counts."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _

from apps.directory import mapping
from apps.directory.dn import normal_dn
from apps.directory.models import DirectorySource
from apps.directory.services.plan import Change, Plan
from apps.directory.services.read import Snapshot
from apps.profiles.models import Profile

ENABLED = "enabled"  # what the diff shows for an entry the directory neither disabled nor expired


def users_by_email(emails: list[str]) -> list[tuple[int, str, bool]]:
    """(id, lower-case address, active) of the accounts with these addresses: one array
    parameter, where `__in` would send 100,000 placeholders."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, lower(email), is_active FROM accounts_user WHERE lower(email) = ANY(%s)", [list(emails)]
        )
        return cursor.fetchall()


def taken_emails_refuse(plan: Plan, email_changes: list[Change]) -> None:
    """A new address that another account already has: that entry is reported, not written."""
    if not email_changes:
        return
    taken = {email: pk for pk, email, _active in users_by_email([c.record.email for c in email_changes])}
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


def _entry_changes(change: Change) -> dict:
    """What changed in the entry itself: where it is (a rename or a move, DNs compared in
    their normal form), its user name, and whether the directory enables it."""
    record, link, changes = change.record, change.link, {}
    if link is None:
        return changes
    old_key = normal_dn(link.dn) if record.dn_key else link.dn.lower()
    if old_key != (record.dn_key or record.dn.lower()):
        changes["dn"] = [link.dn, record.dn]
    if link.username != record.username:
        changes["username"] = [link.username, record.username]
    if link.directory_status != record.disabled:
        changes["status"] = [link.directory_status or ENABLED, record.disabled or ENABLED]
    return changes


def changes_describe(source: DirectorySource, plan: Plan, snapshot: Snapshot) -> None:
    """Field by field, old and new, for the diff; the current values the write keeps; and the
    counts: an existing account whose entry changed in any way shown is updated (adopted ones
    too), one rewritten with nothing to show (a changed mapping) is unchanged."""
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
        change.changes.update(_entry_changes(change))
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
        if change.changes:
            plan.updated += 1
        elif not change.adopted:
            plan.unchanged += 1


def _shown(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
