"""Signing in with a directory password: bind as the person, against their source."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from ldap3.utils.conv import escape_filter_chars

from apps.directory import ldap, mapping
from apps.directory.models import DirectoryAccount, DirectorySource
from apps.directory.services.apply import plan_apply
from apps.directory.services.plan import Change, Plan

logger = logging.getLogger(__name__)


def _entry_for(source: DirectorySource, login: str):
    """The person's entry, found by the bind account: (dn, attributes) or None."""
    names = mapping.attribute_names(source)
    value = escape_filter_chars(login)
    terms = [f"({names[key]}={value})" for key in ("email", "username") if names.get(key)]
    if names.get("username", "").lower() == "samaccountname":
        terms.append(f"(userPrincipalName={value})")
    search_filter = f"(&{mapping.user_filter(source)}(|{''.join(terms)}))"
    connection = ldap.connect(source)
    try:
        entries = list(
            ldap.paged_search(
                connection, base=source.user_base, search_filter=search_filter,
                attributes=mapping.requested_attributes(source), page_size=2,
            )
        )  # fmt: skip
    finally:
        connection.unbind()
    return entries[0] if len(entries) == 1 else None


def _entries_with_address(source: DirectorySource, email: str) -> int:
    names = mapping.attribute_names(source)
    search_filter = f"(&{mapping.user_filter(source)}({names['email']}={escape_filter_chars(email)}))"
    connection = ldap.connect(source)
    try:
        return sum(1 for _entry in ldap.paged_search(connection, base=source.user_base, search_filter=search_filter,
                                                      attributes=["1.1"], page_size=10))  # fmt: skip
    finally:
        connection.unbind()


def _binds(source: DirectorySource, dn: str, password: str) -> bool:
    try:
        connection = ldap.connect(source, user=dn, password=password)
    except ldap.BindRefused:
        return False
    connection.unbind()
    return True


def directory_authenticate(*, login: str, password: str):
    """The active account whose directory entry accepts this password, or None. A person the
    directory knows but this network does not is created (or their account linked) when the
    source allows it."""
    login = (login or "").strip()
    if not login or not password:
        return None
    User = get_user_model()
    for source in DirectorySource.objects.filter(enabled=True, allow_signin=True):
        try:
            link = (
                DirectoryAccount.objects.select_related("user")
                .filter(source=source, missing_since__isnull=True)
                .filter(username__iexact=login)
                .first()
            ) or (
                DirectoryAccount.objects.select_related("user")
                .filter(source=source, missing_since__isnull=True, user__email__iexact=login)
                .first()
            )
            if link is not None:
                if _binds(source, link.dn, password):
                    return link.user
                continue
            entry = _entry_for(source, login)
            if entry is None or not _binds(source, entry[0], password):
                continue
            record = mapping.record_from_entry(
                entry[0],
                entry[1],
                mapping.attribute_names(source),
                mapping.owned_profile_fields(source),
                timezone.now(),
            )
            if record.disabled:
                continue
            existing = User.objects.filter(email__iexact=record.email).first()
            if (
                existing is not None
                and DirectoryAccount.objects.filter(
                    source=source, user=existing, external_id=record.external_id
                ).exists()
            ):
                # The very entry the account is linked to, marked missing until the next run
                # reads it again (a returner): it accepted the password.
                return existing
            if existing is None and not source.create_at_signin:
                continue
            if existing is not None and (
                existing.is_staff or existing.is_superuser or DirectoryAccount.objects.filter(user=existing).exists()
            ):
                # An account the directory already links to another entry, or an administrator's:
                # a second entry with the same address (adm-alice) never takes it over.
                continue
            if _entries_with_address(source, record.email) != 1:
                continue
            record.values_hash = ""  # the next sync writes it whole (managers included)
            with transaction.atomic():
                plan_apply(source, Plan(writes=[Change(record=record, user_id=existing.pk if existing else None)]))
            return User.objects.get(email__iexact=record.email)
        except (ldap.DirectoryError, mapping.EntryError) as error:
            logger.warning("directory sign-in against %s: %s", source.name, error)
            continue
    return None
