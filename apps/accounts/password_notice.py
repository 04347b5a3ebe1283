"""A password set by someone other than its owner (an administrator, in the Django admin or
any other page), or with no request behind it (manage.py changepassword, a shell): whoever
sets it can sign in as the person and read their direct messages and contacts. So it is
written to the audit log (never the password nor its hash) and the person is told by e-mail,
at every address they have, in their language, once the change is committed."""

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

AUDIT_ACTION = "user.password_set"
# Who set a password when no request did (the entry has no actor).
SYSTEM_ACTOR = "system: command line or shell, no request"


def password_set_by_other(*, actor, user, usable_before: bool, usable_after: bool, sessions_ended: int) -> None:
    """`actor` None: no request set it (a command, a shell)."""
    from apps.moderation.services import audit_record

    audit_record(
        actor=actor,
        actor_repr="" if actor is not None else SYSTEM_ACTOR,
        action=AUDIT_ACTION,
        target=user,
        before={"password_usable": usable_before},
        after={"password_usable": usable_after, "sessions_ended": sessions_ended},
    )
    named = person_named(actor) if actor is not None else ""
    transaction.on_commit(partial(password_set_mail_send, user_id=user.pk, actor=named, when=timezone.now()))


def person_named(person) -> str:
    name = person.get_full_name()
    return f"{name} <{person.email}>" if name else person.email


def password_set_mail_send(*, user_id: int, actor: str, when) -> bool:
    """E-mail the person at each of their addresses; a failure is logged (the change and its
    audit entry stand). `actor` empty: set with no request (the command line)."""
    from apps.accounts.selectors import account_addresses

    user = get_user_model().objects.filter(pk=user_id).first()
    addresses = account_addresses(user) if user is not None else []
    if not addresses:
        return False
    context = {
        "user": user,
        "actor": actor,
        "when": when,
        "password_usable": user.has_usable_password(),
        "sign_in_url": settings.SITE_URL.rstrip("/") + reverse("account_login"),
    }
    return notice_send(
        user=user, to=addresses, subject=lambda: _subject(context), template="accounts/email/password_set_by_admin",
        context=context, what="password notice",
    )  # fmt: skip


def notice_send(*, user, to: list[str], subject, template: str, context: dict, what: str) -> bool:
    """A security notice to `to`, text and HTML (`template`.txt / .html), in the person's
    language (`subject` is called in it); a failure is logged, not raised: the committed
    change and its audit entry stand."""
    from apps.notifications.services import email_languages
    from apps.profiles.timezones import zone_of

    try:
        # In the recipient's language and time zone, not the admin's who set the password.
        with translation.override(email_languages([user.pk])[user.pk]), timezone.override(zone_of(user.pk)):
            message = EmailMultiAlternatives(
                subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject()),
                body=render_to_string(f"{template}.txt", context),
                to=to,
            )
            message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.send()
    except Exception as error:  # noqa: BLE001 - the committed change and its audit entry stand
        logger.warning("%s to user %s not sent: %r", what, user.pk, error)
        return False
    return True


def _subject(context) -> str:
    if context["actor"]:
        if context["password_usable"]:
            return _("An administrator set a new password for your account")
        return _("An administrator turned off your password")
    if context["password_usable"]:
        return _("A new password was set for your account")
    return _("The password of your account was turned off")
