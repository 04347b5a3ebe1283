"""Writes of notifications: processing facts, reading, preferences.

Notifications consume facts (apps/facts). A content's service records a fact inside its own
transaction (`apps.facts.services.fact_record`); after commit the facts app queues this
app's task "notifications.process_intent" with the fact's id (the subscription is made in
apps.py), and its beat sweep runs that task itself for a fact still pending after a broker
outage. The task calls `fact_process`, which takes the fact (locked, not yet processed),
plans the recipients afresh (`planning.py`), records a receipt per (event, recipient),
writes or merges the notifications and marks the fact processed, all in one transaction,
and after commit tells the recipients' sockets and queues the e-mails."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.broadcast import broadcast_many_on_commit, broadcast_on_commit, group_name
from apps.core.queue import enqueue_on_commit
from apps.facts.selectors import pending_facts
from apps.facts.services import fact_processing
from apps.notifications import planning
from apps.notifications.models import (
    DEFAULT_CHANNELS,
    DIGEST_CHANNELS,
    MERGED_KINDS,
    Channel,
    EmailSettings,
    Kind,
    Notification,
    Preference,
)

logger = logging.getLogger(__name__)


def channels_for(user_ids, kinds) -> dict[tuple[int, str], str]:
    """Each (user, kind)'s channel: their choice, else the default."""
    chosen = {
        (row.user_id, row.kind): row.channel
        for row in Preference.objects.filter(user_id__in=list(user_ids), kind__in=list(kinds))
    }
    return {(uid, kind): chosen.get((uid, kind), DEFAULT_CHANNELS[kind]) for uid in user_ids for kind in kinds}


def _claim_receipts(pairs: list[tuple[str, int]]) -> set[tuple[str, int]]:
    """Record the (event key, recipient) pairs not recorded before; return those."""
    if not pairs:
        return set()
    keys, recipients = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_receipt (event_key, recipient_id, created_at) "
            "SELECT k, r, now() FROM unnest(%s::text[], %s::int[]) AS t(k, r) "
            "ON CONFLICT (event_key, recipient_id) DO NOTHING RETURNING event_key, recipient_id",
            [list(keys), list(recipients)],
        )
        return {(key, recipient) for key, recipient in cursor.fetchall()}


def deliver(planned: list[planning.Planned], *, actor_id: int | None, occurred_at=None) -> list[Notification]:
    """Write the notifications of a plan: never to the actor, at most one per person per
    plan and per (event, recipient) ever, merged into an unread one about the same thing.
    `occurred_at`: when the event happened (the fact's time), what the notification shows;
    not when this runs, which can be much later (a backlog, the demo's weeks of activity)."""
    first: dict[int, planning.Planned] = {}
    for item in planned:
        if item.recipient_id != actor_id and item.recipient_id not in first:
            first[item.recipient_id] = item
    fresh = _claim_receipts([(item.event_key, uid) for uid, item in first.items()])
    todo = [item for uid, item in first.items() if (item.event_key, uid) in fresh]
    channels = channels_for({item.recipient_id for item in todo}, {item.kind for item in todo})
    todo = [item for item in todo if channels[(item.recipient_id, item.kind)] != Channel.OFF]
    now = timezone.now()
    occurred_at = occurred_at or now
    mergeable = [item for item in todo if item.kind in MERGED_KINDS]
    open_rows = {}
    if mergeable:
        # Two facts about one thread processed at once (two workers) would each find no
        # open row and make one: they take their turn per (recipient, kind, thread).
        _lock_threads(sorted({f"{item.recipient_id}:{item.kind}:{item.target}" for item in mergeable}))
        candidates = Notification.objects.select_for_update().filter(
            recipient_id__in={item.recipient_id for item in mergeable},
            kind__in={item.kind for item in mergeable},
            target__in={item.target for item in mergeable},
            read_at__isnull=True,
            emailed_at__isnull=True,
        )
        open_rows = {(row.recipient_id, row.kind, row.target): row for row in candidates}
    merged, created = [], []
    for item in todo:
        row = open_rows.get((item.recipient_id, item.kind, item.target))
        actors = [actor_id] if actor_id else []
        if row is not None:
            row.actor_ids = actors + [a for a in row.actor_ids if a != actor_id]
            # Several comments now: the row is about the thread (a comment's, or the post),
            # not about one comment whose deletion would hide it.
            about, _sep, ident = item.target.partition(":")
            row.comment_id = int(ident) if about == "comment" else None
            # (A row older than the column has none: its last touch is the best guess.)
            row.occurred_at = max(row.occurred_at or row.updated_at, occurred_at)
            row.updated_at = now
            merged.append(row)
            continue
        created.append(
            Notification(
                recipient_id=item.recipient_id,
                kind=item.kind,
                target=item.target,
                post_id=item.post_id,
                comment_id=item.comment_id,
                community_id=item.community_id,
                actor_ids=actors,
                email=channels[(item.recipient_id, item.kind)],
                occurred_at=occurred_at,
            )
        )
    Notification.objects.bulk_update(merged, ["actor_ids", "comment_id", "updated_at", "occurred_at"])
    Notification.objects.bulk_create(created)
    rows = merged + created
    _announce_on_commit(merged, created)
    immediate = [row.pk for row in created if row.email == Channel.IMMEDIATE]
    if immediate:
        enqueue_on_commit("notifications.email", immediate)
    return rows


def _lock_threads(keys: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(%s::text[]) AS k ORDER BY k", [keys])


def _announce_on_commit(merged: list[Notification], created: list[Notification]) -> None:
    """After commit, each recipient's sockets hear of it: the sentence and link (in their
    language, for a browser notification) and by how much the bell's count grows (a merge
    into an unread row adds nothing). The page's count itself comes from `unread_count`,
    which leaves out what the person may no longer read."""
    rows = merged + created
    if not rows:
        return
    from apps.notifications.selectors import describe

    languages = email_languages({row.recipient_id for row in rows})
    described = describe(rows, languages=languages)
    merged_ids = {row.pk for row in merged}
    messages = [
        (
            group_name("user", row.recipient_id),
            {
                "type": "notification.new",
                "id": row.pk,
                "added": 0 if row.pk in merged_ids else 1,
                "text": described[row.pk]["text"],
                "url": described[row.pk]["url"],
            },
        )
        for row in rows
    ]
    broadcast_many_on_commit(messages)


def fact_process(*, fact_id: int) -> int:
    """Process one fact if nobody has (a task run twice, or beside the sweep, does nothing
    the second time). Returns how many notifications were written or merged."""
    with fact_processing(fact_id) as fact:
        if fact is None:
            return 0
        rows = deliver(planning.PLANNERS[fact.event](fact), actor_id=fact.actor_id, occurred_at=fact.created_at)
    return len(rows)


def _announce_read(user) -> None:
    from apps.notifications.selectors import unread_count

    broadcast_on_commit(group_name("user", user.pk), {"type": "notification.read", "unread": unread_count(viewer=user)})


def notification_read(*, actor, notification: Notification) -> Notification:
    with transaction.atomic():
        updated = Notification.objects.filter(pk=notification.pk, recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if updated:
            _announce_read(actor)
    return notification


def notifications_read_all(*, actor) -> int:
    with transaction.atomic():
        updated = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
        _announce_read(actor)
    return updated


def preferences_set(*, actor, channels: dict[str, str]) -> None:
    unknown = set(channels) - set(Kind.values)
    if unknown or not set(channels.values()) <= set(Channel.values):
        raise ValidationError(_("Choose one of the offered settings for each kind of notification."))
    with transaction.atomic():
        for kind, channel in channels.items():
            if channel == DEFAULT_CHANNELS[kind]:
                Preference.objects.filter(user=actor, kind=kind).delete()
            else:
                Preference.objects.update_or_create(user=actor, kind=kind, defaults={"channel": channel})
            _rechannel_waiting(actor, kind, channel)


def _rechannel_waiting(user, kind: str, channel: str) -> None:
    """What waits for an e-mail follows the new choice (an unsubscribed kind is not sent)."""
    email = channel if channel in (Channel.IMMEDIATE, *DIGEST_CHANNELS) else Channel.IN_APP
    Notification.objects.filter(recipient=user, kind=kind, emailed_at__isnull=True).update(email=email)


def unsubscribe(*, user, kind: str) -> None:
    """The e-mail link's effect: no more e-mail of this kind; still shown in the app."""
    if kind not in Kind.values:
        raise ValidationError(_("Unknown kind of notification."))
    with transaction.atomic():
        current = Preference.objects.filter(user=user, kind=kind).values_list("channel", flat=True).first()
        if current != Channel.OFF:  # already quieter than asked
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": Channel.IN_APP})
        _rechannel_waiting(user, kind, Channel.IN_APP)


def email_language_set(*, user, language: str) -> None:
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    EmailSettings.objects.update_or_create(user=user, defaults={"language": language})


def email_languages(user_ids) -> dict[int, str]:
    from django.conf import settings

    chosen = dict(EmailSettings.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "language"))
    return {uid: chosen.get(uid, settings.LANGUAGE_CODE) for uid in user_ids}


def in_language(language: str):
    return translation.override(language)


def prune(*, now=None) -> int:
    """Receipts outlive every retry after 30 days (processed facts are the facts app's to
    prune: "facts.prune")."""
    from apps.notifications.models import Receipt

    now = now or timezone.now()
    receipts, _ = Receipt.objects.filter(created_at__lt=now - timedelta(days=30)).delete()
    return receipts


def backlog_settle() -> int:
    """Process every pending fact of ours now and mark what it made as already e-mailed: for
    activity loaded in bulk (the demo's three weeks), which belongs in the app, not in
    everyone's inbox at once. Returns how many notifications were made."""
    made = 0
    for fact_id, _event in pending_facts(older_than=timedelta(0), limit=100_000, events=planning.PLANNERS):
        try:
            made += fact_process(fact_id=fact_id)
        except Exception:
            logger.exception("fact %s not processed", fact_id)
    Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
    return made
