import hashlib

from apps.core.broadcast import group_name


def subscription_groups(*, user) -> list[str]:
    """The groups a user's socket joins at connect.

    Only groups whose every event the user may see. Community groups must come from
    `Community.objects.content_visible_to` (active members of a private community, not
    the people merely invited to it); conversations from their own visible_to().
    """
    return [group_name("user", user.pk)]


def session_group(session_key: str) -> str:
    """The group of one browser session's sockets (named by a hash: keys are secrets)."""
    return group_name("session", hashlib.sha256(session_key.encode()).hexdigest()[:40])
