from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.communities.models import Community, State, Visibility
from apps.core.broadcast import group_name
from apps.core.broadcast import session_group as session_group  # imported from here too (adapter, consumer)
from apps.realtime.auth import session_signs_in

COMPANY_GROUP = group_name("company", "all")
# How many communities a socket may follow for the page it serves, beyond its memberships.
PAGE_FOLLOWS = 5
# How many sockets' sessions one query checks (the rows of one chunk are in memory at once).
SESSION_CHECK_CHUNK = 250


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


def sessions_signed_out(sockets: list[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of these sockets' (session key, user id), those whose session would no longer sign
    that user in on a page: gone (expired, deleted, flushed), or no longer theirs (signed
    out, a changed password, the account deactivated). Two queries per SESSION_CHECK_CHUNK
    sockets, reading rows rather than models: the live process's memory stays flat."""
    User = get_user_model()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    decoder = store()
    signed_in = set()
    sockets = list(dict.fromkeys(sockets))
    for start in range(0, len(sockets), SESSION_CHECK_CHUNK):
        chunk = sockets[start : start + SESSION_CHECK_CHUNK]
        sessions = dict(
            store.get_model_class()
            .objects.filter(session_key__in={key for key, _ in chunk}, expire_date__gt=timezone.now())
            .values_list("session_key", "session_data")
        )
        passwords = dict(
            User.objects.filter(pk__in={user_id for _, user_id in chunk}, is_active=True).values_list("pk", "password")
        )
        for key, user_id in chunk:
            data, password = sessions.get(key), passwords.get(user_id)
            if data is None or password is None:
                continue
            if session_signs_in(decoder.decode(data), User(pk=user_id, password=password, is_active=True)):
                signed_in.add((key, user_id))
    return set(sockets) - signed_in


def session_key_in_group(*, user_id: int, group: str) -> str | None:
    """The key of the user's live session whose sockets' group is `group` (a session that
    changed its key names only its new group to its sockets)."""
    sessions = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class().objects
    keys = sessions.filter(user_id=user_id, expire_date__gt=timezone.now()).values_list("session_key", flat=True)
    return next((key for key in keys if session_group(key) == group), None)
