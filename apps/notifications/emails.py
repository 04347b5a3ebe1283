"""Notification e-mails: one at once, or one digest per person per period, in the site's
look and the recipient's language, with a per-kind unsubscribe link that needs no sign-in.

An e-mail claims its notifications (`emailed_at`) in the transaction that sends it: if
sending fails the claim rolls back and the next run tries again; an item e-mailed once is
never e-mailed again."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core import branding
from apps.notifications import texts
from apps.notifications.models import Channel, Kind, Notification
from apps.notifications.selectors import _names
from apps.notifications.services import email_languages

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
SWEEP_WINDOW = timedelta(days=1)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in Kind.values:
        return None
    return user_id, kind


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _items(rows) -> list[dict]:
    names = _names({uid for row in rows for uid in row.actor_ids[:1]})
    return [
        {
            "text": texts.sentence(row, [names[uid] for uid in row.actor_ids[:1] if uid in names]),
            "excerpt": texts.excerpt(row),
            "url": _absolute(texts.link(row)),
            "kind": row.kind,
        }
        for row in rows
    ]


def send_email(user, *, subject: str, items: list[dict], kinds: list[str], intro: str) -> None:
    unsubscribe = [
        {
            "label": Kind(kind).label,
            "url": _absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user.pk, kind)])),
        }
        for kind in kinds
    ]
    context = {
        "user": user,
        "items": items,
        "intro": intro,
        "unsubscribe": unsubscribe,
        "settings_url": _absolute(reverse("notifications:settings")),
        "site_name": branding.current().site_name,
    }
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string("notifications/email/notification.txt", context),
        to=[user.email],
        headers={
            # One-click unsubscribe (RFC 8058) for mail programs, for the first kind listed.
            "List-Unsubscribe": f"<{unsubscribe[0]['url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
    message.send()


def _claim(user, ids) -> list[Notification]:
    """Lock and take the user's still-unsent, unread, still-readable rows among `ids`."""
    rows = list(
        Notification.objects.visible_to(user)
        .select_for_update(of=("self",), skip_locked=True)
        .filter(pk__in=list(ids), emailed_at__isnull=True, read_at__isnull=True)
        .select_related("post", "comment", "community")
        .order_by("-updated_at", "-id")
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=timezone.now())
    return rows


def send_immediate(notification_ids) -> int:
    """One e-mail per notification; returns how many went out."""
    recipients = (
        Notification.objects.filter(pk__in=list(notification_ids), email=Channel.IMMEDIATE, emailed_at__isnull=True)
        .values_list("recipient_id", "pk")
        .order_by("recipient_id")
    )
    by_user: dict[int, list[int]] = {}
    for uid, pk in recipients:
        by_user.setdefault(uid, []).append(pk)
    users = get_user_model().objects.in_bulk(list(by_user))
    languages = email_languages(list(by_user))
    sent = 0
    for uid, ids in by_user.items():
        user = users.get(uid)
        if user is None or not user.is_active or not user.email:
            continue
        for pk in ids:
            with transaction.atomic(), translation.override(languages[uid]):
                rows = _claim(user, [pk])
                if not rows:
                    continue
                items = _items(rows)
                send_email(user, subject=items[0]["text"], items=items, kinds=[rows[0].kind], intro="")
                sent += 1
    return sent


def send_digests(*, channel: str) -> int:
    """One digest per person with waiting notifications of `channel` (daily or weekly)."""
    waiting = (
        Notification.objects.filter(
            email=channel, emailed_at__isnull=True, read_at__isnull=True, recipient__is_active=True
        )
        .exclude(recipient__email="")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    user_ids = list(waiting)
    users = get_user_model().objects.in_bulk(user_ids)
    languages = email_languages(user_ids)
    sent = 0
    for uid in user_ids:
        user = users.get(uid)
        if user is None or not user.is_active or not user.email:
            continue
        try:
            with transaction.atomic(), translation.override(languages[uid]):
                ids = Notification.objects.filter(
                    recipient_id=uid, email=channel, emailed_at__isnull=True, read_at__isnull=True
                ).values_list("pk", flat=True)
                rows = _claim(user, list(ids))
                if not rows:
                    continue
                count = len(rows)
                period = _("today") if channel == Channel.DAILY else _("this week")
                subject = ngettext(
                    "%(count)d new notification %(period)s", "%(count)d new notifications %(period)s", count
                ) % {"count": count, "period": period}
                kinds = sorted({row.kind for row in rows})
                send_email(user, subject=subject, items=_items(rows), kinds=kinds, intro=subject)
                sent += 1
        except OSError as error:  # one person's mail server refusing does not stop the others
            logger.warning("digest for user %s not sent: %r", uid, error)
    return sent


def sweep_immediate(*, older_than_seconds: int = 120) -> int:
    """E-mail the immediate notifications whose task never ran (the broker was down)."""
    now = timezone.now()
    # The last day only, newest first: rows that will never be sent (their subject deleted
    # since, their recipient gone) do not crowd out those that can.
    ids = (
        Notification.objects.filter(
            email=Channel.IMMEDIATE,
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__lt=now - timedelta(seconds=older_than_seconds),
            created_at__gt=now - SWEEP_WINDOW,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .order_by("-created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return send_immediate(list(ids))
