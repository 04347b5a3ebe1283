"""An administrator who changes someone's e-mail addresses (the account's address, or an
allauth address: changed, added or removed) decides where that person's security notices go.
Changing the address to one the administrator reads, setting a new password, then putting
the address back would otherwise leave the person unaware. So the person is told, once the
change is committed, at the addresses they had: the old one and every other one they keep
(the new one is the administrator's word, not theirs). The callers write the audit entries."""

from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.password_notice import notice_send, person_named


def address_change_notify_on_commit(*, actor, user_id: int, removed: str = "", added: str = "") -> None:
    if (removed or "").lower() == (added or "").lower():
        return
    transaction.on_commit(
        partial(
            address_change_mail_send,
            user_id=user_id,
            actor=person_named(actor),
            removed=removed or "",
            added=added or "",
            when=timezone.now(),
        )
    )


def address_change_mail_send(*, user_id: int, actor: str, removed: str, added: str, when) -> bool:
    """E-mail the person at the removed address and every address they still have but the
    added one; a failure is logged (the change and its audit entry stand)."""
    from apps.accounts.selectors import account_addresses

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return False
    recipients, seen = [], {added.lower()} if added else set()
    for address in [removed, *account_addresses(user)]:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            recipients.append(address)
    if not recipients:
        return False
    context = {"user": user, "actor": actor, "removed": removed, "added": added, "when": when}
    return notice_send(
        user=user,
        to=recipients,
        subject=lambda: _("An administrator changed the e-mail addresses of your account"),
        template="accounts/email/address_changed_by_admin",
        context=context,
        what="address change notice",
    )
