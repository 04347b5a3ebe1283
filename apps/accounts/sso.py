"""Accounts that sign in through the company's identity provider (OpenID Connect, SAML).

With SSO_ACCOUNTS_SSO_ONLY (on by default once a provider is configured), an account linked
to a provider signs in only through it: someone the provider disables has no local password
to fall back on (no password sign-in, no reset e-mail, no set or change password page).
And the provider is the authority on who they are: each sign-in brings its names and
verified address to the account."""

import logging

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from apps.profiles.services import profile_create_for, profile_refresh_search

logger = logging.getLogger(__name__)


def sso_only(user) -> bool:
    if not settings.SSO_ACCOUNTS_SSO_ONLY or not getattr(user, "pk", None):
        return False
    return SocialAccount.objects.filter(user_id=user.pk).exists()


def sso_account_remove_password(*, user) -> None:
    """An account signing in through the provider keeps no local password: one set before
    (the account existed and was linked by its address) would outlive a disabling."""
    if settings.SSO_ACCOUNTS_SSO_ONLY and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])


def _address_taken(email: str, user) -> bool:
    User = get_user_model()
    return (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user_id=user.pk).exists()
    )


def _replace_primary_address(user, email: str) -> None:
    # The old primary address goes, as the directory sync does: left verified on this
    # account, it would link whoever gets that address next to this person's account.
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=email).delete()
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email)
    address.email, address.verified, address.primary = email, True, True
    address.save()
    user.email = email
    user.save(update_fields=["email"])


def sso_account_update(*, user, first_name: str, last_name: str, email_addresses) -> list[str]:
    """The provider's names and address, as it sent them at this sign-in, replace the
    account's. Only an address the provider says it verified is taken (as allauth does at
    sign-up), and not one that another account holds. Returns the fields changed."""
    changed = []
    names = {"first_name": (first_name or "").strip(), "last_name": (last_name or "").strip()}
    for field, value in names.items():
        if value and value != getattr(user, field):
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)

    verified = sorted((a for a in email_addresses if a.verified and a.email), key=lambda a: not a.primary)
    email = verified[0].email.strip().lower() if verified else ""
    if email and email != user.email.lower():
        if _address_taken(email, user):
            logger.warning("SSO sign-in of user %s: %s belongs to another account; address kept", user.pk, email)
        else:
            try:
                with transaction.atomic():
                    _replace_primary_address(user, email)
                changed.append("email")
            except IntegrityError:  # taken meanwhile
                user.refresh_from_db(fields=["email"])
                logger.warning("SSO sign-in of user %s: %s was taken meanwhile; address kept", user.pk, email)
    if changed:
        profile_refresh_search(profile=profile_create_for(user=user))
    return changed
