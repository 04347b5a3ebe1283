"""Messages left unread: after MESSAGING_EMAIL_DELAY_MINUTES, an e-mail tells the recipient,
as their "Direct messages" preference says: at once ("immediate"), at most once a day or a
week (the digest choices), or never ("in the app only", "off"). A muted conversation never
e-mails. An e-mail claims what it tells (`emailed_through_id`) in the transaction that sends
it: a failed send is tried again by the next run, and nothing is told twice."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.messaging.models import READABLE_SQL, Message, MessageKind, Participant
from apps.messaging.selectors import title_of
from apps.notifications.emails import send_email
from apps.notifications.models import Channel, Kind
from apps.notifications.services import channels_for, email_languages
from apps.profiles.selectors import display_name

logger = logging.getLogger(__name__)
PERIODS = {Channel.IMMEDIATE: timedelta(0), Channel.DAILY: timedelta(days=1), Channel.WEEKLY: timedelta(days=7)}
EXCERPTS_PER_CONVERSATION = 3

# Per (participant row): the newest message unread long enough, not yet e-mailed, of those
# they read (READABLE_SQL: never one of a period they were not in).
_WAITING_SQL = f"""
    SELECT p.id, p.user_id, max(m.id)
    FROM messaging_participant p
    JOIN accounts_user u ON u.id = p.user_id AND u.is_active AND u.email <> ''
    JOIN messaging_message m
      ON m.conversation_id = p.conversation_id AND m.id > GREATEST(p.last_read_id, p.emailed_through_id)
     AND m.sender_id <> p.user_id AND m.kind = 'text' AND m.deleted_at IS NULL AND m.created_at <= %s
    WHERE p.left_at IS NULL AND NOT p.muted AND {READABLE_SQL}
    GROUP BY p.id, p.user_id
"""  # noqa: S608 - READABLE_SQL is a constant of the code, the values are parameters


def _waiting(cutoff) -> dict[int, dict[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(_WAITING_SQL, [cutoff])
        waiting: dict[int, dict[int, int]] = {}
        for participant_id, user_id, newest in cursor.fetchall():
            waiting.setdefault(user_id, {})[participant_id] = newest
        return waiting


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _items(user, participants: list[Participant], newest: dict[int, int]) -> list[dict]:
    items = []
    for participant in participants:
        conversation = participant.conversation
        unread = list(
            Message.objects.visible_to(user)
            .filter(
                conversation=conversation,
                kind=MessageKind.TEXT,
                deleted_at__isnull=True,
                id__gt=participant.last_read_id,
                id__lte=newest[participant.pk],
            )
            .exclude(sender=user)
            .select_related("sender__profile")
            .order_by("-id")
        )
        if not unread:
            continue
        title = title_of(conversation, viewer=user, participants=list(conversation.participants.filter(left_at=None)))
        text = ngettext(
            "%(count)d unread message in “%(title)s”", "%(count)d unread messages in “%(title)s”", len(unread)
        ) % {"count": len(unread), "title": title}
        excerpts = [
            f"{display_name(m.sender)}: {Truncator(m.body or _('(a file)')).chars(140)}"
            for m in reversed(unread[:EXCERPTS_PER_CONVERSATION])
        ]
        items.append(
            {
                "text": text,
                "excerpt": " / ".join(excerpts),
                "url": _absolute(reverse("messaging:conversation", args=[conversation.pk])),
                "kind": Kind.MESSAGE,
            }
        )
    return items


def send_unread(*, now=None) -> int:
    """E-mail everyone whose messages have waited long enough; returns how many e-mails went."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.MESSAGING_EMAIL_DELAY_MINUTES)
    waiting = _waiting(cutoff)
    if not waiting:
        return 0
    channels = channels_for(set(waiting), {Kind.MESSAGE})
    languages = email_languages(set(waiting))
    users = get_user_model().objects.select_related("profile").in_bulk(list(waiting))
    sent = 0
    for user_id, newest in waiting.items():
        channel = channels[(user_id, Kind.MESSAGE)]
        if channel not in PERIODS or user_id not in users:
            continue
        with translation.override(languages[user_id]):
            sent += _send_one(users[user_id], newest, channel=channel, now=now)
    return sent


def _send_one(user, newest: dict[int, int], *, channel: str, now) -> int:
    """Claim what the e-mail tells in a short transaction, then send it (a slow mail server
    holds no lock on the conversation); a failed send gives the claim back for the next run."""
    try:
        with transaction.atomic():
            claimed = _claim(user, newest, channel=channel, now=now)
    except Exception:  # one person's problem does not stop the others
        logger.exception("unread messages of user %s not claimed", user.pk)
        return 0
    if claimed is None:
        return 0
    subject, items, before = claimed
    try:
        send_email(user, subject=subject, items=items, kinds=[Kind.MESSAGE], intro="")
    except Exception as error:  # noqa: BLE001 - whatever failed, the claim is given back
        logger.warning("unread messages e-mail for user %s not sent: %r", user.pk, error)
        for pk, (through, at) in before.items():
            Participant.objects.filter(pk=pk).update(emailed_through_id=through, emailed_at=at)
        return 0
    return 1


def _claim(user, newest: dict[int, int], *, channel: str, now):
    """(subject, items, what the rows said before) for the rows not yet told of their newest
    message, now marked as told; None if there is nothing to tell (or another run has it)."""
    rows = Participant.objects.select_for_update(skip_locked=True, of=("self",))
    participants = [
        p
        for p in rows.filter(pk__in=list(newest), left_at__isnull=True, muted=False).select_related("conversation")
        # Another run, started earlier, may have told them since this one looked.
        if p.emailed_through_id < newest[p.pk]
    ]
    if not participants:
        return None
    period = PERIODS[channel]
    if period:
        last = Participant.objects.filter(user=user, emailed_at__isnull=False).order_by("-emailed_at").first()
        if last is not None and last.emailed_at > now - period:
            return None
    items = _items(user, participants, newest)
    if not items:
        return None
    subject = (
        items[0]["text"] if len(items) == 1 else _("Unread messages in %(count)d conversations") % {"count": len(items)}
    )
    before = {p.pk: (p.emailed_through_id, p.emailed_at) for p in participants}
    for participant in participants:
        participant.emailed_through_id = max(participant.emailed_through_id, newest[participant.pk])
        participant.emailed_at = now
    Participant.objects.bulk_update(participants, ["emailed_through_id", "emailed_at"])
    return subject, items, before
