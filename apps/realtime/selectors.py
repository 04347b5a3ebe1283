import hashlib

from apps.communities.models import Community
from apps.core.broadcast import group_name

COMPANY_GROUP = group_name("company", "all")


def community_group(community_id: int) -> str:
    return group_name("community", community_id)


def subscription_groups(*, user) -> list[str]:
    """The groups a user's socket joins at connect: only groups whose every event the user
    may see. Their own, the company's, and the communities whose content they may read
    (`content_visible_to`: people merely invited to a private community are not in)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    communities = Community.objects.content_visible_to(user).order_by("pk").values_list("pk", flat=True)
    return [group_name("user", user.pk), COMPANY_GROUP, *(community_group(pk) for pk in communities)]


def may_follow_community(*, user_id: int, community_id: int) -> bool:
    """Whether the user, read afresh (a socket's user may have been deactivated or have lost
    a role since it connected), may now receive the community's events."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user is not None and Community.objects.content_visible_to(user).filter(pk=community_id).exists()


def session_group(session_key: str) -> str:
    """The group of one browser session's sockets (named by a hash: keys are secrets)."""
    return group_name("session", hashlib.sha256(session_key.encode()).hexdigest()[:40])
