"""Writes to communities, one module per concern; every public name is importable from here.

- memberships: the membership life cycle (TRANSITIONS), roles, department invitations;
- community: creation and settings;
- administration: what only site administrators do (transfer, archive, delete, bulk add).

Whatever a manager (an owner, a moderator, a site administrator) does to others'
memberships or to the community is audited in the same transaction
(tests/moderation/test_audit_log.py lists these services); what people do to their own
membership is not. The reads they share (role_of, community_delete_summary) are selectors."""

from apps.communities.selectors import community_delete_summary, role_of
from apps.communities.services.administration import (
    BulkRow,
    community_archive,
    community_bulk_add,
    community_delete,
    community_transfer,
)
from apps.communities.services.community import SETTINGS_FIELDS, community_create, community_update
from apps.communities.services.memberships import (
    MODERATOR,
    NONE,
    NOTIFIED_ACTIONS,
    OUTSIDE,
    OWNER,
    SELF,
    TRANSITIONS,
    Transition,
    can_manage,
    invite_department,
    membership_mark_seen,
    membership_set_role,
    membership_transition,
)

__all__ = [
    "MODERATOR",
    "NONE",
    "NOTIFIED_ACTIONS",
    "OUTSIDE",
    "OWNER",
    "SELF",
    "SETTINGS_FIELDS",
    "TRANSITIONS",
    "BulkRow",
    "Transition",
    "can_manage",
    "community_archive",
    "community_bulk_add",
    "community_create",
    "community_delete",
    "community_delete_summary",
    "community_transfer",
    "community_update",
    "invite_department",
    "membership_mark_seen",
    "membership_set_role",
    "membership_transition",
    "role_of",
]
