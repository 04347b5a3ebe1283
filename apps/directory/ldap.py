"""Talking to an LDAP server: connections with failover and TLS, and complete paged reads.

Every failure becomes a DirectoryError whose message says what to check; a read that did not
return everything raises ReadIncomplete, so that nothing is deactivated on a partial picture."""

import os
import ssl
from collections.abc import Callable, Iterator

import ldap3
from django.utils.translation import gettext as _
from ldap3.core import exceptions as ldap_errors

from apps.directory import secrets
from apps.directory.models import DirectorySource, Security

PAGED_RESULTS = "1.2.840.113556.1.4.319"
BASE = ldap3.BASE
SUCCESS, SIZE_LIMIT_EXCEEDED, INSUFFICIENT_ACCESS, NO_SUCH_OBJECT, INVALID_CREDENTIALS = 0, 4, 50, 32, 49


class DirectoryError(Exception):
    """The directory could not be read; the message is for an administrator."""


class ReadIncomplete(DirectoryError):
    """The server stopped before the end of the results."""


def bind_password(source: DirectorySource) -> str:
    if source.bind_password_env:
        value = os.environ.get(source.bind_password_env)
        if value is None:
            raise DirectoryError(
                _("The environment variable %(name)s (bind password) is not set.") % {"name": source.bind_password_env}
            )
        return value
    try:
        return secrets.decrypt(source.bind_password_encrypted)
    except secrets.PasswordUnreadable as error:
        raise DirectoryError(
            _("The stored bind password cannot be read (SECRET_KEY changed?): enter it again.")
        ) from error


def _servers(source: DirectorySource) -> list[ldap3.Server]:
    tls = None
    if source.security != Security.NONE:
        if source.ca_file and not os.path.exists(source.ca_file):
            raise DirectoryError(_("CA file not found: %(path)s.") % {"path": source.ca_file})
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=source.ca_file or None)
    servers = []
    for uri in source.uris:
        use_ssl = source.security == Security.LDAPS or uri.lower().startswith("ldaps://")
        servers.append(
            ldap3.Server(uri, use_ssl=use_ssl, tls=tls, get_info=ldap3.NONE, connect_timeout=source.timeout_seconds)
        )
    return servers


def server_address(server: ldap3.Server) -> str:
    """host:port, as errors and reports name a server (several may run on one host)."""
    return f"{server.host}:{server.port}"


def describe(connection: ldap3.Connection) -> str:
    result = connection.result or {}
    return f"{result.get('description', '')} {result.get('message', '')}".strip() or _("no answer")


def connect(source: DirectorySource, *, user: str | None = None, password: str | None = None) -> ldap3.Connection:
    """A bound connection to the first server that answers, as the bind account (or as `user`)."""
    if user is None:
        user, password = source.bind_dn or None, bind_password(source) if source.bind_dn else None
    elif not user or not password:
        # An empty DN or password is an anonymous bind, which most servers accept.
        raise BindRefused(_("The server refused the bind DN or its password."))
    errors = []
    for server in _servers(source):
        connection = ldap3.Connection(
            server,
            user=user,
            password=password,
            authentication=ldap3.SIMPLE if user else ldap3.ANONYMOUS,
            raise_exceptions=False,
            receive_timeout=source.timeout_seconds,
            read_only=True,
            auto_referrals=False,
        )
        try:
            connection.open()
            if source.security == Security.STARTTLS and not server.ssl and not connection.start_tls():
                errors.append(f"{server_address(server)}: {_('StartTLS refused')} ({describe(connection)})")
                connection.unbind()
                continue
            if not connection.bind():
                code = (connection.result or {}).get("result")
                connection.unbind()
                if code == INVALID_CREDENTIALS:
                    raise BindRefused(_("The server refused the bind DN or its password."))
                errors.append(f"{server_address(server)}: {describe(connection)}")
                continue
            _decode_entries_raw(connection)
            return connection
        except ldap_errors.LDAPException as error:
            errors.append(f"{server_address(server)}: {error}")
    raise DirectoryError(_("No server answered: %(errors)s") % {"errors": "; ".join(errors)})


def _decode_entries_raw(connection: ldap3.Connection) -> None:
    """Search entries decoded to {dn, raw_attributes} only, attribute names in lower case.
    ldap3 also builds a formatted, case-insensitive copy of every value: two thirds of the
    time of a 100,000-entry read, for values this app never looks at (ldap3 2.9.1)."""
    strategy = connection.strategy
    decode_any = strategy.decode_response_fast

    def decode(ldap_message):
        if ldap_message["protocolOp"] != 4:  # not a searchResEntry
            return decode_any(ldap_message)
        payload = ldap_message["payload"]
        attributes = {
            attribute[3][0][3].decode("utf-8").lower(): [value[3] for value in attribute[3][1][3]]
            for attribute in payload[1][3]
        }
        dn = payload[0][3].decode("utf-8")
        return {"type": "searchResEntry", "dn": dn, "raw_dn": payload[0][3], "raw_attributes": attributes,
                "attributes": {}}  # fmt: skip

    strategy.decode_response_fast = decode


class NoSuchObject(ReadIncomplete):
    """The base of a search is not there (or not visible to the bind account)."""


class BindRefused(DirectoryError):
    """Wrong DN or password: trying another replica would not help."""


def paged_search(
    connection: ldap3.Connection,
    *,
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    on_page: Callable[[int], None] | None = None,
    scope=ldap3.SUBTREE,
) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
    """Every entry under `base` as (dn, {lower-case attribute: [raw values]}), page by page.
    Raises ReadIncomplete when the server stops early (size or time limit, missing rights)."""
    cookie, total = None, 0
    while True:
        try:
            connection.search(
                base,
                search_filter,
                search_scope=scope,
                attributes=attributes,
                paged_size=page_size,
                paged_cookie=cookie,
            )
        except ldap_errors.LDAPException as error:
            raise ReadIncomplete(
                _("The search failed after %(count)d entries: %(error)s") % {"count": total, "error": error}
            ) from error
        result = connection.result or {}
        code = result.get("result")
        if code == SIZE_LIMIT_EXCEEDED:
            # What came before the cut is handed over (a run counts what it read), then the stop.
            entries = [item for item in connection.response or () if item.get("type") == "searchResEntry"]
            for item in entries:
                yield item["dn"], item["raw_attributes"]
            raise ReadIncomplete(
                _("The server's size limit cut the results after %(count)d entries.") % {"count": total + len(entries)}
            )
        if code == NO_SUCH_OBJECT:
            raise NoSuchObject(_("The base %(base)s does not exist.") % {"base": base})
        if code == INSUFFICIENT_ACCESS:
            raise ReadIncomplete(_("The bind account may not search %(base)s.") % {"base": base})
        if code != SUCCESS:
            raise ReadIncomplete(
                _("The search stopped after %(count)d entries: %(error)s")
                % {"count": total, "error": describe(connection)}
            )
        for item in connection.response or ():
            if item.get("type") != "searchResEntry":
                continue  # referrals (Active Directory's other partitions)
            total += 1
            yield item["dn"], item["raw_attributes"]
        if on_page:
            on_page(total)
        control = (result.get("controls") or {}).get(PAGED_RESULTS)
        cookie = control["value"]["cookie"] if control else None
        if not cookie:
            return
