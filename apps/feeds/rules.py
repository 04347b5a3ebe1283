"""Who may do what with posts and comments, in one place: the services enforce these, the
selectors work out from them what each card offers (`post_rights`), templates show that.

A rule that depends on the user's role in the community takes that role when the caller has
read it already (a feed reads it with its posts, in the same statement); left out ("?"), the
rule reads it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.communities.models import MODERATING_ROLES, Community, Role, Visibility, is_site_admin
from apps.communities.selectors import role_of
from apps.feeds.models import Kind

NOT_READ = "?"  # the role argument's default: the rule reads the role itself

# Who moderates a community's posts besides site administrators (also as a query: see
# selectors.feed_lists.deleted_feed).


def role_in(user, community: Community | None) -> str | None:
    if community is None or not user.is_authenticated:
        return None
    return role_of(user=user, community=community)


def _role(user, community: Community | None, role: str | None) -> str | None:
    return role_in(user, community) if role == NOT_READ else role


def can_post(user, community: Community | None, *, role: str | None = NOT_READ) -> bool:
    """Company-wide: every active employee. In a community: its active members (and site
    admins), never once it is archived. Commenting follows the same rule."""
    if not user.is_authenticated or not user.is_active:
        return False
    if community is None:
        return True
    if community.archived_at is not None:
        return False
    if is_site_admin(user):
        return True
    return _role(user, community, role) is not None


def can_moderate(user, community: Community | None, *, role: str | None = NOT_READ) -> bool:
    """Company-wide posts: site admins. Community posts: its owners and moderators too."""
    if is_site_admin(user):
        return True
    if community is None or not user.is_authenticated:
        return False
    return _role(user, community, role) in MODERATING_ROLES


def can_announce(user, community: Community | None, *, role: str | None = NOT_READ) -> bool:
    """Company-wide announcements: site admins. In a community: its owners."""
    if is_site_admin(user):
        return True
    if community is None or (community.archived_at is not None):
        return False
    return _role(user, community, role) == Role.OWNER


def is_author(user, item) -> bool:
    """Whether the user wrote the post or comment."""
    return user.is_authenticated and item.author_id == user.pk


def can_edit(user, item) -> bool:
    """A post or a comment is edited by its author only (moderators delete, never rewrite)."""
    return is_author(user, item)


def can_delete(user, item, community: Community | None, *, role: str | None = NOT_READ) -> bool:
    """A post or a comment: its author, or whoever moderates where it was posted."""
    return is_author(user, item) or can_moderate(user, community, role=role)


def can_choose_best_answer(user, post, community: Community | None, *, role: str | None = NOT_READ) -> bool:
    """A question's best answer: chosen by its author or a moderator."""
    return post.kind == Kind.QUESTION and can_delete(user, post, community, role=role)


def shares_stay_inside(community: Community | None) -> bool:
    """A private community's posts are shared inside it only."""
    return community is not None and community.visibility == Visibility.PRIVATE


def share_targets_allowed(original_community: Community | None, target: Community | None) -> bool:
    """A private community's post stays inside it; anything else may go anywhere."""
    if shares_stay_inside(original_community):
        return target is not None and target.pk == original_community.pk
    return True


def can_share(user, community: Community | None, *, role: str | None = NOT_READ) -> bool:
    """Whoever reads a post may share it, but a private community's post only by those who
    may post there (its only target)."""
    return not shares_stay_inside(community) or can_post(user, community, role=role)


def post_rights(user, post, *, role: str | None) -> dict:
    """What a post's card offers the user (the services check each again when it is done).
    `role`: the user's role in the post's community, as read with the post (None if none)."""
    community = post.community
    moderate = can_moderate(user, community, role=role)
    return {
        "edit": can_edit(user, post),
        "delete": can_delete(user, post, community, role=role),
        "moderate": moderate,
        "pin": moderate,
        "comment": can_post(user, community, role=role),
        "best_answer": can_choose_best_answer(user, post, community, role=role),
        "share": can_share(user, community, role=role),
    }


def ensure_open(community: Community | None) -> None:
    """An archived community is read-only: no post, comment, reaction, vote, edit or pin."""
    if community is not None and community.archived_at is not None:
        raise ValidationError(_("This community is archived: nothing new can be posted."))
