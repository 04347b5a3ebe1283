"""Reads of notifications: the list, the unread count, and how each one reads."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import translation

from apps.communities.models import Community
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.notifications import texts
from apps.notifications.models import DEFAULT_CHANNELS, Kind, Notification, Preference

PAGE_SIZE = 30


def unread_count(*, viewer) -> int:
    """The bell's number: unread notifications about what the viewer may still read."""
    return Notification.objects.visible_to(viewer).filter(read_at__isnull=True).count()


@dataclass
class NotificationPage:
    items: list
    next_cursor: str | None


def _names(user_ids) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=list(user_ids)).only("first_name", "last_name", "email")
    return {user.pk: user.get_full_name() or user.email for user in users}


def _actors(user_ids) -> dict[int, object]:
    """The actors with their profiles (for the avatar), in one query."""
    return get_user_model().objects.select_related("profile").in_bulk(list(user_ids))


# The list's filters (?show=...): each a condition in SQL. Direct messages are under "all"
# only; the messages page is where they are read.
FILTERS: dict[str, Q] = {
    "unread": Q(read_at__isnull=True),
    "mentions": Q(kind=Kind.MENTION),
    "comments": Q(kind__in=[Kind.COMMENT, Kind.REPLY]),
    "reactions": Q(kind=Kind.REACTION),
    "communities": Q(kind__in=[Kind.INVITATION, Kind.JOIN_REQUEST, Kind.REQUEST_APPROVED]),
    "praise": Q(kind=Kind.PRAISE),
    "announcements": Q(kind=Kind.ANNOUNCEMENT),
}


def list_filter(value: str | None) -> str:
    """A known filter's name, else "" (all)."""
    return value if value in FILTERS else ""


def describe(rows, *, languages: dict[int, str] | None = None) -> dict[int, dict]:
    """Each row's sentence and link, in the recipient's language if `languages` is given
    (else the active one). Constant queries: the actors' names, the communities."""
    first_actors = {uid for row in rows for uid in row.actor_ids[:1]}
    names = _names(first_actors)
    community_ids = {row.community_id for row in rows if row.community_id}
    communities = Community.objects.in_bulk(community_ids) if community_ids else {}
    described = {}
    for row in rows:
        if row.community_id and not Notification.community.is_cached(row):
            row.community = communities.get(row.community_id)
        language = (languages or {}).get(row.recipient_id) or translation.get_language()
        with translation.override(language):
            text = texts.sentence(row, [names[uid] for uid in row.actor_ids[:1] if uid in names])
        described[row.pk] = {"text": text, "url": texts.link(row)}
    return described


def notification_list(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE, show: str = "") -> NotificationPage:
    """Newest activity first, one row per thread (merged), with the first actor's name and
    profile (`actor`, for the avatar), in a constant number of queries. `show`: one of
    FILTERS, or everything."""
    rows = Notification.objects.visible_to(viewer).select_related("post", "comment", "community")
    if show in FILTERS:
        rows = rows.filter(FILTERS[show])
    after = decode_cursor(cursor, types=(str, int))
    if after:
        rows = rows.filter(rows_after("updated_at", cursor_datetime(after[0]), "id", after[1], descending=True))
    rows = list(rows.order_by("-updated_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].updated_at.isoformat(), rows[-1].pk])
    actors = _actors({uid for row in rows for uid in row.actor_ids[:1]})
    names = {uid: user.get_full_name() or user.email for uid, user in actors.items()}
    for row in rows:
        row.text = texts.sentence(row, [names[uid] for uid in row.actor_ids[:1] if uid in names])
        actor = actors.get(row.actor_ids[0]) if row.actor_ids else None
        row.actor = actor
        row.actor_profile = getattr(actor, "profile", None) if actor else None
        row.url = texts.link(row)
        row.excerpt = texts.excerpt(row)
        row.first_actor_id = row.actor_ids[0] if row.actor_ids else None
    return NotificationPage(items=rows, next_cursor=next_cursor)


def notification_get(*, viewer, notification_id: int) -> Notification:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Notification.objects.visible_to(viewer).select_related("community"), pk=notification_id)


def preferences_of(*, user) -> dict[str, str]:
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values}


def unmailed(*, channel: str):
    """Notifications waiting for an e-mail of `channel`, still unread and still readable is
    checked per person when the e-mail is written."""
    return Notification.objects.filter(Q(email=channel), emailed_at__isnull=True, read_at__isnull=True)
