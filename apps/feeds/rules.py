"""Who may do what with posts (the services enforce these; templates show what they allow)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.communities.models import Community, Role, Visibility, is_site_admin
from apps.communities.services import role_of


def role_in(user, community: Community | None) -> str | None:
    if community is None or not user.is_authenticated:
        return None
    return role_of(user=user, community=community)


def can_post(user, community: Community | None, *, role: str | None = "?") -> bool:
    """Company-wide: every active employee. In a community: its active members (and site
    admins), never once it is archived."""
    if not user.is_authenticated or not user.is_active:
        return False
    if community is None:
        return True
    if community.archived_at is not None:
        return False
    if is_site_admin(user):
        return True
    return (role_in(user, community) if role == "?" else role) is not None


def can_moderate(user, community: Community | None, *, role: str | None = "?") -> bool:
    """Company-wide posts: site admins. Community posts: its owners and moderators too."""
    if is_site_admin(user):
        return True
    if community is None or not user.is_authenticated:
        return False
    return (role_in(user, community) if role == "?" else role) in (Role.OWNER, Role.MODERATOR)


def can_announce(user, community: Community | None, *, role: str | None = "?") -> bool:
    """Company-wide announcements: site admins. In a community: its owners."""
    if is_site_admin(user):
        return True
    if community is None or (community.archived_at is not None):
        return False
    return (role_in(user, community) if role == "?" else role) == Role.OWNER


def share_targets_allowed(original_community: Community | None, target: Community | None) -> bool:
    """A private community's post stays inside it; anything else may go anywhere."""
    if original_community is not None and original_community.visibility == Visibility.PRIVATE:
        return target is not None and target.pk == original_community.pk
    return True


def ensure_open(community: Community | None) -> None:
    """An archived community is read-only: no post, comment, reaction, vote, edit or pin."""
    if community is not None and community.archived_at is not None:
        raise ValidationError(_("This community is archived: nothing new can be posted."))
