import hashlib

from apps.communities.models import Community, State, Visibility
from apps.core.broadcast import group_name

COMPANY_GROUP = group_name("company", "all")
# How many communities a socket may follow for the page it serves, beyond its memberships.
PAGE_FOLLOWS = 5


def community_group(community_id: int) -> str:
    return group_name("community", community_id)


def subscription_groups(*, user) -> list[str]:
    """The groups a user's socket joins at connect, each one whose every event the user may
    see: their own, the company's, and those of the communities whose content they may read
    (`content_visible_to`) and that they belong to. A public community one has not joined is
    followed only while its page is open (`may_follow_community`): with every public
    community joined at connect, a socket joined hundreds of groups, connected at 15 per
    second and held 133 KB (make bench)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    communities = (
        Community.objects.content_visible_to(user)
        .filter(memberships__user=user, memberships__state=State.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [group_name("user", user.pk), COMPANY_GROUP, *(community_group(pk) for pk in communities)]


def connection_state(*, user) -> tuple[list[str], dict]:
    """What a socket needs at connect, in one trip to the database thread: its groups and
    its greeting (with the bell's count and the Messages link's)."""
    from apps.messaging.selectors import unread_total
    from apps.notifications.selectors import unread_count

    hello = {"type": "hello", "unread": unread_count(viewer=user), "messages_unread": unread_total(viewer=user)}
    return subscription_groups(user=user), hello


def follow_state(*, user_id: int, community_id: int) -> tuple[bool, bool, bool]:
    """(may the user, read afresh, receive the community's events; are they a member; is it
    public or moderated). A socket's user may have been deactivated or have lost a role
    since it connected."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    community = (
        Community.objects.content_visible_to(user).filter(pk=community_id).only("visibility").first()
        if user is not None
        else None
    )
    if community is None:
        return False, False, False
    member = user.memberships.filter(community_id=community_id, state=State.ACTIVE).exists()
    return True, member, community.visibility != Visibility.PRIVATE


def open_communities(*, user) -> list[int]:
    """The public and moderated communities the user may read: what the company feed's page
    follows while it is open."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    readable = Community.objects.content_visible_to(user).exclude(visibility=Visibility.PRIVATE)
    return list(readable.order_by("pk").values_list("pk", flat=True))


def session_group(session_key: str) -> str:
    """The group of one browser session's sockets (named by a hash: keys are secrets)."""
    return group_name("session", hashlib.sha256(session_key.encode()).hexdigest()[:40])
