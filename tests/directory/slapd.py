"""A private OpenLDAP server (Debian's slapd) for the directory tests: real LDAP, LDAPS and
StartTLS, access rules, size limits and paged results, and entries shaped like OpenLDAP's
(inetOrgPerson, entryUUID) or like Active Directory's (objectGUID, sAMAccountName,
userAccountControl, accountExpires).

One slapd per test session, started by the `slapd_server` fixture (conftest.py): a child of
the test process on two free loopback ports, in a temporary directory, with a generated
slapd.conf and a fresh CA. A system slapd (port 389) is never used.

The tree::

    dc=example,dc=com
      ou=people    inetOrgPerson entries, RDN uid=...   (person(), people())
      ou=staff     Active Directory-like entries, RDN cn=<given surname>   (ad_person(), ad_people())
      ou=groups    groupOfNames (group()), or AD-like groups (ad_group())
      ou=services  the bind accounts: cn=sync (reader), cn=blind, cn=limited

Active Directory's attributes come from ad.schema (written next to slapd.conf), not from
Debian's msuser.schema: msuser.schema defines them without matching rules, so that an equality
filter such as (sAMAccountName=jdoe) or (userAccountControl=512) silently matches nothing
there, where Active Directory matches. ad.schema keeps Microsoft's OIDs and names and adds the
matching rules, plus two auxiliary classes named like AD's: `user` and `group`, so that the
Active Directory filters (&(objectCategory=person)(objectClass=user)) and (objectClass=group)
work as they do against AD (objectCategory holds the short name "person"/"group" here, where AD
holds the DN of the category and expands the short name in filters).

`memberOf` is kept by slapd's memberof overlay (as AD keeps it): it is an operational attribute
here, returned only when asked for by name or with "+", not with "*".
"""

import atexit
import base64
import contextlib
import ctypes
import ipaddress
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from tests.benchmarks.support import free_port

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
LDAPADD = Path("/usr/bin/ldapadd")
LDAPDELETE = Path("/usr/bin/ldapdelete")
MODULE_DIR = Path("/usr/lib/ldap")
SCHEMA_DIR = Path("/etc/ldap/schema")
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
PACKAGES = ("slapd", "ldap-utils")

BASE_DN = "dc=example,dc=com"
PEOPLE_DN = f"ou=people,{BASE_DN}"
AD_PEOPLE_DN = f"ou=staff,{BASE_DN}"
GROUPS_DN = f"ou=groups,{BASE_DN}"
SERVICES_DN = f"ou=services,{BASE_DN}"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "admin-secret"
READER_DN = f"cn=sync,{SERVICES_DN}"
READER_PASSWORD = "sync-secret"
BLIND_DN = f"cn=blind,{SERVICES_DN}"
BLIND_PASSWORD = "blind-secret"
LIMITED_DN = f"cn=limited,{SERVICES_DN}"
LIMITED_PASSWORD = "limited-secret"

SIZE_LIMIT = 500  # the server's limit for one unpaged search (paged searches: no total limit)
LIMITED_SIZE = 100  # cn=limited: paged or not

MAIL_DOMAIN = "example.com"
UPN_DOMAIN = "corp.example.com"
UAC_NORMAL_ACCOUNT = 0x200  # userAccountControl: 512, an enabled account
UAC_ACCOUNTDISABLE = 0x2  # 514 = disabled
NEVER_EXPIRES = "9223372036854775807"  # accountExpires (AD also writes 0 for "never")
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
# groupOfNames needs at least one member (Active Directory's groups may have none): a group
# built without members gets this DN, which is no person, as its only member.
EMPTY_GROUP_MEMBER = BASE_DN

# reset() deletes entries one by one up to this many; more (after bulk_load) reloads the skeleton.
RESET_RELOAD_THRESHOLD = 3000
START_TIMEOUT = 20.0
LDAPADD_BATCH = 50  # add() and reset() hand this many entries or more to ldapadd / ldapdelete

AD_SCHEMA = """\
# Active Directory attributes with Microsoft's OIDs and names (as in msuser.schema), but with
# the matching rules that make equality, substring and ordering filters work as against AD.
# Written by tests/directory/slapd.py.

attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID'
    DESC 'AD: 16 bytes, the GUID in little-endian order (uuid.UUID.bytes_le)'
    EQUALITY octetStringMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.146 NAME 'objectSid'
    EQUALITY octetStringMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory'
    DESC 'AD holds a DN and expands short names in filters; here the short name (person, group)'
    EQUALITY caseIgnoreMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
    DESC 'AD: flags; 512 a normal account, +2 disabled'
    EQUALITY integerMatch ORDERING integerOrderingMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.159 NAME 'accountExpires'
    DESC 'AD: FILETIME (100 ns since 1601-01-01 UTC); 0 or 9223372036854775807 never'
    EQUALITY integerMatch ORDERING integerOrderingMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.35 NAME 'employeeID'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.2.141 NAME 'department'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.2.146 NAME 'company'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.750 NAME 'groupType'
    EQUALITY integerMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )

attributetype ( 2.16.840.1.113730.3.1.35 NAME 'thumbnailPhoto'
    EQUALITY octetStringMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )

objectclass ( 1.3.6.1.4.1.99999.1.1 NAME 'user'
    DESC 'Active Directory user attributes, added to an inetOrgPerson'
    SUP top AUXILIARY
    MAY ( objectGUID $ objectSid $ objectCategory $ sAMAccountName $ userPrincipalName $
          userAccountControl $ accountExpires $ employeeID $ department $ company $
          thumbnailPhoto ) )

objectclass ( 1.3.6.1.4.1.99999.1.2 NAME 'group'
    DESC 'Active Directory group attributes, added to a groupOfNames'
    SUP top AUXILIARY
    MAY ( objectGUID $ objectSid $ objectCategory $ sAMAccountName $ groupType $ mail ) )
"""

SLAPD_CONF = """\
# Written by tests/directory/slapd.py
{includes}
include {directory}/ad.schema

pidfile {directory}/slapd.pid
argsfile {directory}/slapd.args
tool-threads 2
modulepath {module_dir}
moduleload back_mdb
moduleload memberof

TLSCACertificateFile {directory}/ca.pem
TLSCertificateFile {directory}/server.pem
TLSCertificateKeyFile {directory}/server.key

database mdb
suffix "{base_dn}"
rootdn "{admin_dn}"
rootpw "{admin_password}"
directory {directory}/db
maxsize 8589934592
dbnosync
index objectClass eq
index uid,mail,cn,sAMAccountName,userPrincipalName eq
index entryUUID,objectGUID eq
index member,manager eq

# One unpaged search stops at {size_limit} entries (sizeLimitExceeded); a paged one has no total
# limit (size.prtotal would default to the hard limit) and pages of any size.
sizelimit size.soft={size_limit} size.hard={size_limit} size.prtotal=unlimited
limits dn.exact="{limited_dn}" size.soft={limited_size} size.hard={limited_size} size.prtotal={limited_size}

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
{blind_rules}
access to *
    by users read
    by * none
"""

BLIND_RULE = """\
access to dn.children="{base}"
    by dn.exact="{blind_dn}" none
    by users read
    by * none
"""


class SlapdError(RuntimeError):
    """slapd could not start, or refused an operation (the message says what it answered)."""


def install_slapd() -> bool:
    """Install Debian's slapd and ldap-utils when they are missing and this process is root
    (CI machines start fresh). True when slapd and slapadd are there. The package may start a
    system slapd on port 389: it is left alone and never used."""
    if SLAPD.exists() and SLAPADD.exists():
        return True
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", *PACKAGES], env=env, check=False)
    return SLAPD.exists() and SLAPADD.exists()


# ---------------------------------------------------------------------------------------------
# Certificates


def write_certificates(directory: Path, *, name: str = "slapd test CA") -> tuple[Path, Path, Path]:
    """A new CA and a server certificate it signed (SAN: IP 127.0.0.1, DNS localhost), written
    to `directory` as ca.pem, server.pem and server.key. Returns the three paths. Also how a
    test gets an unrelated CA (to check that a wrong CA is refused)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} {uuid.uuid4().hex[:8]}")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file


# ---------------------------------------------------------------------------------------------
# LDIF and DNs


def _ldif_line(name: str, value) -> str:
    # RFC 2849 SAFE-STRING: ASCII without NUL, LF or CR, not starting with space, colon or "<";
    # and (OpenLDAP's parser strips it) not ending with a space. Anything else goes in base64.
    text = value if isinstance(value, str) else None
    if isinstance(value, bytes):
        text = value.decode("ascii") if value.isascii() else None
    elif text is None:
        text = str(value)
    if text is not None and (
        not text
        or (
            text.isascii()
            and text[0] not in " :<"
            and text[-1] != " "
            and "\n" not in text
            and "\r" not in text
            and "\0" not in text
        )
    ):
        return f"{name}: {text}\n"
    raw = value if isinstance(value, bytes) else text.encode()
    return f"{name}:: {base64.b64encode(raw).decode('ascii')}\n"


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [item for item in value if item is not None]
    return [value]


def _wire(value):
    """An attribute value as ldap3 sends it: bytes stay bytes, the rest becomes text."""
    return value if isinstance(value, bytes) else str(value)


def _ldif_entry(dn: str, attributes: Mapping) -> str:
    lines = [_ldif_line("dn", dn)]
    for name, values in attributes.items():
        lines.extend(_ldif_line(name, value) for value in _as_list(values))
    return "".join(lines) + "\n"


def _split_dn(dn: str) -> tuple[str, str]:
    """(first RDN, parent DN) at the first unescaped comma."""
    escaped = False
    for index, char in enumerate(dn):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            return dn[:index], dn[index + 1 :].strip()
    return dn, ""


def _depth(dn: str) -> int:
    depth = 0
    while dn:
        depth += 1
        dn = _split_dn(dn)[1]
    return depth


def _is_group(attributes: Mapping) -> bool:
    classes = {str(value).lower() for value in _as_list(attributes.get("objectClass"))}
    return "groupofnames" in classes


def _skeleton() -> list[tuple[str, dict]]:
    def organizational_unit(dn, description):
        return dn, {
            "objectClass": ["top", "organizationalUnit"],
            "ou": _split_dn(dn)[0][3:],
            "description": description,
        }

    def service(dn, password, description):
        return dn, {
            "objectClass": ["top", "organizationalRole", "simpleSecurityObject"],
            "cn": _split_dn(dn)[0][3:],
            "userPassword": password,
            "description": description,
        }

    return [
        (BASE_DN, {"objectClass": ["top", "dcObject", "organization"], "dc": "example", "o": "Example"}),
        organizational_unit(PEOPLE_DN, "People (inetOrgPerson)"),
        organizational_unit(AD_PEOPLE_DN, "People with Active Directory attributes"),
        organizational_unit(GROUPS_DN, "Groups"),
        organizational_unit(SERVICES_DN, "Bind accounts"),
        service(READER_DN, READER_PASSWORD, "Reads everything but passwords, within the server's size limit"),
        service(BLIND_DN, BLIND_PASSWORD, "Binds, but reads nothing under people, staff and groups"),
        service(LIMITED_DN, LIMITED_PASSWORD, f"Reads everything, {LIMITED_SIZE} entries at most, paged or not"),
    ]


def _set_parent_death_signal():  # pragma: no cover - runs in the child between fork and exec
    # Linux: the kernel kills slapd when the test process dies, even by SIGKILL.
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


# ---------------------------------------------------------------------------------------------
# The server


class Slapd:
    """One private slapd. start()/stop(), or `with Slapd() as server:`."""

    base_dn = BASE_DN
    people_dn = PEOPLE_DN
    ad_people_dn = AD_PEOPLE_DN
    groups_dn = GROUPS_DN
    services_dn = SERVICES_DN
    admin_dn, admin_password = ADMIN_DN, ADMIN_PASSWORD
    reader_dn, reader_password = READER_DN, READER_PASSWORD
    blind_dn, blind_password = BLIND_DN, BLIND_PASSWORD
    limited_dn, limited_password = LIMITED_DN, LIMITED_PASSWORD
    SIZE_LIMIT = SIZE_LIMIT
    LIMITED_SIZE = LIMITED_SIZE

    def __init__(self, *, debug: str = "none"):
        """`debug`: slapd's -d level, output in `log_file`: "none" logs errors only (and
        keeps slapd in the foreground); "stats" logs every operation."""
        self.debug = debug
        self.directory: Path | None = None
        self.port: int | None = None
        self.ldaps_port: int | None = None
        self.process: subprocess.Popen | None = None
        self._admin: ldap3.Connection | None = None
        self._log = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    @property
    def ca_file(self) -> str:
        return str(self._path("ca.pem"))

    @property
    def conf_file(self) -> str:
        return str(self._path("slapd.conf"))

    @property
    def log_file(self) -> str:
        return str(self._path("slapd.log"))

    def _path(self, name: str) -> Path:
        if self.directory is None:
            raise SlapdError("slapd is not started")
        return self.directory / name

    # -- life cycle --------------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self) -> "Slapd":
        if self.process is not None:
            return self
        if not SLAPD.exists() or not SLAPADD.exists():
            raise SlapdError(f"{SLAPD} or {SLAPADD} is missing: apt-get install {' '.join(PACKAGES)}")
        self.directory = Path(tempfile.mkdtemp(prefix="slapd-test-"))
        atexit.register(self.stop)
        try:
            write_certificates(self.directory)
            (self.directory / "ad.schema").write_text(AD_SCHEMA)
            (self.directory / "admin.password").write_text(ADMIN_PASSWORD)
            (self.directory / "slapd.conf").write_text(self._config())
            self._load([])
            for attempt in range(5):
                self.port = free_port()
                self.ldaps_port = free_port()
                while self.ldaps_port == self.port:
                    self.ldaps_port = free_port()
                try:
                    self._launch()
                    break
                except _PortTaken:
                    if attempt == 4:
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop slapd and remove its directory. Safe to call twice."""
        self._halt()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        atexit.unregister(self.stop)

    def _config(self) -> str:
        includes = "\n".join(f"include {SCHEMA_DIR}/{name}.schema" for name in SCHEMAS)
        blind_rules = "".join(
            BLIND_RULE.format(base=base, blind_dn=BLIND_DN) for base in (PEOPLE_DN, AD_PEOPLE_DN, GROUPS_DN)
        )
        return SLAPD_CONF.format(
            includes=includes,
            directory=self.directory,
            module_dir=MODULE_DIR,
            base_dn=BASE_DN,
            admin_dn=ADMIN_DN,
            admin_password=ADMIN_PASSWORD,
            size_limit=SIZE_LIMIT,
            limited_dn=LIMITED_DN,
            limited_size=LIMITED_SIZE,
            blind_rules=blind_rules,
        )

    def _launch(self) -> None:
        urls = f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.ldaps_port}/"
        self._log = open(self.log_file, "ab")  # noqa: SIM115 - closed by _halt()
        self.process = subprocess.Popen(
            [str(SLAPD), "-f", self.conf_file, "-h", urls, "-d", self.debug],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.directory,
            preexec_fn=_set_parent_death_signal if sys.platform == "linux" else None,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            code = self.process.poll()
            if code is not None:
                log = self._log_tail()
                self._halt()
                if "Address already in use" in log:
                    raise _PortTaken(log)
                raise SlapdError(f"slapd exited ({code}) at start:\n{log}")
            if self._answers():
                return
            if time.monotonic() > deadline:
                log = self._log_tail()
                self._halt()
                raise SlapdError(f"slapd did not answer within {START_TIMEOUT:.0f}s:\n{log}")
            time.sleep(0.02)

    def _answers(self) -> bool:
        for port in (self.port, self.ldaps_port):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            except OSError:
                return False
        try:
            connection = self.admin()
        except (SlapdError, LDAPException):
            return False
        connection.unbind()
        return True

    def _halt(self) -> None:
        """Stop the process, keep the files."""
        if self._admin is not None:
            with contextlib.suppress(Exception):
                self._admin.unbind()
            self._admin = None
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log_file).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _load(self, entries: Iterable[tuple[str, Mapping]]) -> None:
        """Replace the database by the skeleton and `entries`, with slapadd (slapd stopped)."""
        database = self._path("db")
        shutil.rmtree(database, ignore_errors=True)
        database.mkdir()
        entries = list(entries)
        # slapadd runs no overlay: memberOf is written here, as the memberof overlay would.
        member_of = defaultdict(list)
        for dn, attributes in entries:
            if _is_group(attributes):
                for member in _as_list(attributes.get("member")):
                    member_of[str(member).lower()].append(dn)
        ldif = self._path("load.ldif")
        with ldif.open("w", encoding="ascii") as file:
            for dn, attributes in [*_skeleton(), *entries]:
                groups = member_of.get(dn.lower())
                file.write(_ldif_entry(dn, {**attributes, "memberOf": groups} if groups else attributes))
        result = subprocess.run(
            [str(SLAPADD), "-q", "-f", self.conf_file, "-l", str(ldif)],
            capture_output=True,
            text=True,
            check=False,
        )
        ldif.unlink()
        if result.returncode != 0:
            raise SlapdError(f"slapadd failed ({result.returncode}):\n{result.stderr[-3000:]}")

    def _reload(self, entries: Iterable[tuple[str, Mapping]]) -> None:
        if self.process is None:
            raise SlapdError("slapd is not started")
        self._halt()
        try:
            self._load(entries)
        except SlapdError:
            self._load([])  # slapd comes back empty rather than not at all
            self._launch()
            raise
        self._launch()

    # -- connections -------------------------------------------------------------------------

    def connection(
        self,
        bind_dn: str | None = None,
        password: str | None = None,
        *,
        ldaps: bool = False,
        start_tls: bool = False,
        ca_file: str | None = None,
    ) -> ldap3.Connection:
        """A bound ldap3 connection (raise_exceptions off): anonymous without `bind_dn`; over
        LDAPS or StartTLS, checking the server's certificate against `ca_file` (default: this
        server's CA). Raises SlapdError when the server refuses the bind or StartTLS, and
        ldap3's exceptions when the socket or the TLS handshake fails (e.g. a wrong CA)."""
        tls = None
        if ldaps or start_tls:
            tls = ldap3.Tls(ca_certs_file=ca_file or self.ca_file, validate=ssl.CERT_REQUIRED)
        server = ldap3.Server(
            self.ldaps_uri if ldaps else self.uri, use_ssl=ldaps, tls=tls, get_info=ldap3.NONE, connect_timeout=5
        )
        connection = ldap3.Connection(
            server,
            user=bind_dn,
            password=password,
            authentication=ldap3.SIMPLE if bind_dn else ldap3.ANONYMOUS,
            raise_exceptions=False,
            receive_timeout=60,
            auto_referrals=False,
        )
        connection.open()
        if start_tls and not connection.start_tls():
            message = _describe(connection)
            connection.unbind()
            raise SlapdError(f"StartTLS failed: {message}")
        if not connection.bind():
            message = _describe(connection)
            connection.unbind()
            raise SlapdError(f"bind as {bind_dn or 'anonymous'} failed: {message}")
        return connection

    def admin(self) -> ldap3.Connection:
        """A new connection bound as the rootdn (no ACL, no limit); the caller closes it."""
        return self.connection(ADMIN_DN, ADMIN_PASSWORD)

    def _conn(self) -> ldap3.Connection:
        if self.process is None:
            raise SlapdError("slapd is not started")
        if self._admin is None or self._admin.closed:
            self._admin = self.admin()
        return self._admin

    def _check(self, connection: ldap3.Connection, ok: bool, what: str) -> None:
        if not ok:
            raise SlapdError(f"{what}: {_describe(connection)}")

    # -- data --------------------------------------------------------------------------------

    def add(self, entries: Iterable[tuple[str, Mapping]]) -> None:
        """Add (dn, attributes) entries as the rootdn. Parents go before their children and
        groups after everyone else (so that the memberof overlay finds their members);
        otherwise in the given order. Values: str, bytes or int. Raises SlapdError with the
        server's message (entries before the failing one stay added). From LDAPADD_BATCH
        entries on, OpenLDAP's ldapadd sends them (6x faster than ldap3 encoding them)."""
        entries = sorted(entries, key=lambda entry: (_is_group(entry[1]), _depth(entry[0])))
        if len(entries) >= LDAPADD_BATCH and LDAPADD.exists():
            self._ldapadd(entries)
            return
        connection = self._conn()
        for dn, attributes in entries:
            values = {name: [_wire(value) for value in _as_list(items)] for name, items in attributes.items()}
            values = {name: items for name, items in values.items() if items}
            self._check(connection, connection.add(dn, attributes=values), f"add {dn}")

    def _ldapadd(self, entries: list[tuple[str, Mapping]]) -> None:
        ldif = "".join(_ldif_entry(dn, attributes) for dn, attributes in entries)
        self._tool(LDAPADD, ldif, "adding new entry")

    def _tool(self, tool: Path, stdin: str, verb: str) -> None:
        """Run ldapadd or ldapdelete (-v) as the rootdn; on failure, raise with the DN it was at."""
        if self.process is None:
            raise SlapdError("slapd is not started")
        result = subprocess.run(
            [str(tool), "-v", "-x", "-H", self.uri, "-D", ADMIN_DN, "-y", str(self._path("admin.password"))],
            input=stdin.encode("utf-8"),
            capture_output=True,
            check=False,
            env={**os.environ, "LDAPNOINIT": "1"},  # no /etc/ldap/ldap.conf, no ~/.ldaprc
        )
        if result.returncode != 0:
            done = [line for line in result.stdout.decode(errors="replace").splitlines() if line.startswith(verb)]
            where = done[-1] if done else tool.name
            raise SlapdError(f"{where}: {result.stderr.decode(errors='replace').strip()}")

    def modify(self, dn: str, changes: Mapping) -> None:
        """Replace the values of each attribute; None or [] removes the attribute."""
        connection = self._conn()
        modifications = {
            name: [(ldap3.MODIFY_REPLACE, [_wire(value) for value in _as_list(values)])]
            for name, values in changes.items()
        }
        self._check(connection, connection.modify(dn, modifications), f"modify {dn}")

    def delete(self, dn: str) -> None:
        connection = self._conn()
        self._check(connection, connection.delete(dn), f"delete {dn}")

    def rename(self, dn: str, new_rdn: str, new_superior: str | None = None, *, update_references: bool = True) -> str:
        """modify_dn (the entry keeps its entryUUID); returns the new DN. As Active Directory
        does for its linked attributes, the `manager` values that named the old DN are changed
        to the new one (update_references=False to leave them dangling, as a plain OpenLDAP
        would); group `member` values follow through the memberof overlay."""
        connection = self._conn()
        parent = new_superior or _split_dn(dn)[1]
        self._check(
            connection,
            connection.modify_dn(dn, new_rdn, delete_old_dn=True, new_superior=new_superior),
            f"rename {dn}",
        )
        new_dn = f"{new_rdn},{parent}"
        if update_references:
            old = escape_filter_chars(dn)
            for name in ("manager", "member"):
                connection.search(BASE_DN, f"({name}={old})", ldap3.SUBTREE, attributes=[name])
                for entry in [item for item in connection.response or () if item.get("type") == "searchResEntry"]:
                    self._check(
                        connection,
                        connection.modify(
                            entry["dn"], {name: [(ldap3.MODIFY_DELETE, [dn]), (ldap3.MODIFY_ADD, [new_dn])]}
                        ),
                        f"update {name} of {entry['dn']}",
                    )
        return new_dn

    def read(self, dn: str, attributes=("*", "+")) -> dict[str, list[bytes]] | None:
        """The raw values of one entry (by default with its operational attributes; only the
        attributes it has), or None when there is no such entry."""
        connection = self._conn()
        connection.search(dn, "(objectClass=*)", ldap3.BASE, attributes=list(attributes))
        for item in connection.response or ():
            if item.get("type") == "searchResEntry":
                return {name: values for name, values in item["raw_attributes"].items() if values}
        return None

    def entry_uuid(self, dn: str) -> str:
        entry = self.read(dn, ["entryUUID"])
        if not entry:
            raise SlapdError(f"no entry {dn}")
        return entry["entryUUID"][0].decode()

    def dns(self, base: str) -> list[str]:
        """Every DN under `base` (not `base` itself), as the rootdn (no server limit); [] when
        `base` does not exist (a test deleted it)."""
        return self._dns(base)[0]

    def _dns(self, base: str, limit: int = 0) -> tuple[list[str], bool]:
        """(DNs under `base`, whether that is all of them: False past `limit`)."""
        connection = self._conn()
        connection.search(base, "(objectClass=*)", ldap3.SUBTREE, attributes=["1.1"], size_limit=limit)
        code = (connection.result or {}).get("result")
        if code == 32:  # noSuchObject
            return [], True
        if code not in (0, 4):  # 4: sizeLimitExceeded, only with a limit (the rootdn has none)
            raise SlapdError(f"search {base}: {_describe(connection)}")
        dns = [
            item["dn"]
            for item in connection.response or ()
            if item.get("type") == "searchResEntry" and item["dn"].lower() != base.lower()
        ]
        return dns, code == 0

    def reset(self) -> None:
        """Remove every entry under people, staff and groups; restore a missing OU or bind
        account. Entries go one by one (fast for what a test adds); past
        RESET_RELOAD_THRESHOLD (after bulk_load), slapd restarts on a new database instead."""
        if self.process is None:
            raise SlapdError("slapd is not started")
        doomed, complete = [], True
        for base in (GROUPS_DN, PEOPLE_DN, AD_PEOPLE_DN):
            dns, all_of_them = self._dns(base, RESET_RELOAD_THRESHOLD)
            doomed += dns
            complete = complete and all_of_them
        if not complete or len(doomed) > RESET_RELOAD_THRESHOLD:
            self._reload([])
            return
        connection = self._conn()
        # Groups first (their members' memberOf go with them), then the deepest entries first.
        groups = [dn for dn in doomed if dn.lower().endswith(GROUPS_DN)]
        others = [dn for dn in doomed if not dn.lower().endswith(GROUPS_DN)]
        doomed = [*sorted(groups, key=_depth, reverse=True), *sorted(others, key=_depth, reverse=True)]
        if len(doomed) >= LDAPADD_BATCH and LDAPDELETE.exists():
            self._tool(LDAPDELETE, "".join(f"{dn}\n" for dn in doomed), "deleting entry")
        else:
            for dn in doomed:
                self._check(connection, connection.delete(dn), f"delete {dn}")
        present = {dn.lower() for dn in self.dns(BASE_DN)} | {BASE_DN}
        missing = [entry for entry in _skeleton() if entry[0].lower() not in present]
        if missing:
            self.add(missing)

    @contextlib.contextmanager
    def down(self):
        """slapd stopped for the block (connections refused, open ones closed), then started
        again on the same ports with the same data."""
        if self.process is None:
            raise SlapdError("slapd is not started")
        self._halt()
        try:
            yield self
        finally:
            self._launch()

    def bulk_load(self, entries: Iterable[tuple[str, Mapping]]) -> float:
        """Replace the whole database by the skeleton (OUs, bind accounts) and `entries`, with
        slapadd: for 10,000-100,000 entries. slapd restarts on the same ports (open connections
        are closed). Entries get entryUUID, createTimestamp etc. as with add(); groups' members
        get memberOf. Parents must come before their children. Returns the seconds it took."""
        started = time.perf_counter()
        self._reload(entries)
        return time.perf_counter() - started


class _PortTaken(SlapdError):
    pass


def _describe(connection: ldap3.Connection) -> str:
    result = connection.result or {}
    return f"{result.get('description', '')} {result.get('message', '')}".strip() or "no answer"


# ---------------------------------------------------------------------------------------------
# Entries


def filetime(moment: datetime) -> int:
    """Active Directory's FILETIME: 100-ns intervals since 1601-01-01 UTC (aware datetimes)."""
    if moment.tzinfo is None:
        raise ValueError("filetime() needs an aware datetime")
    delta = moment - FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def _attributes(**values) -> dict:
    return {name: value for name, value in values.items() if value is not None}


def person_dn(uid: str) -> str:
    return f"uid={escape_rdn(uid)},{PEOPLE_DN}"


def person(
    uid: str,
    given_name: str,
    surname: str,
    *,
    mail: str | None = None,
    title: str | None = None,
    department: str | None = None,
    team: str | None = None,
    office: str | None = None,
    phone: str | None = None,
    mobile: str | None = None,
    manager_uid: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
    employee_number: str | None = None,
) -> tuple[str, dict]:
    """An inetOrgPerson under ou=people, RDN uid: department is departmentNumber, team is ou,
    office is l; manager_uid names another person of ou=people."""
    return person_dn(uid), _attributes(
        objectClass=["top", "person", "organizationalPerson", "inetOrgPerson"],
        uid=uid,
        cn=f"{given_name} {surname}",
        givenName=given_name,
        sn=surname,
        displayName=display_name or f"{given_name} {surname}",
        mail=mail or f"{uid}@{MAIL_DOMAIN}",
        title=title,
        departmentNumber=department,
        ou=team,
        l=office,
        telephoneNumber=phone,
        mobile=mobile,
        manager=person_dn(manager_uid) if manager_uid else None,
        userPassword=password,
        employeeNumber=employee_number,
    )


def ad_person_dn(cn: str) -> str:
    return f"cn={escape_rdn(cn)},{AD_PEOPLE_DN}"


def ad_person(
    sam: str,
    given_name: str,
    surname: str,
    *,
    guid: uuid.UUID,
    mail: str | None = None,
    upn: str | None = None,
    title: str | None = None,
    department: str | None = None,
    office: str | None = None,
    phone: str | None = None,
    mobile: str | None = None,
    manager_dn: str | None = None,
    disabled: bool = False,
    expires: datetime | None = None,
    password: str | None = None,
    cn: str | None = None,
    employee_id: str | None = None,
) -> tuple[str, dict]:
    """An Active Directory-like user under ou=staff, RDN cn="<given> <surname>" (or `cn`).
    objectGUID is guid.bytes_le (16 bytes, as AD stores it); userAccountControl 512, or 514
    when disabled; accountExpires the FILETIME of `expires` (aware), else "never".
    manager_dn is the manager's DN: the first item of the manager's ad_person(), or
    ad_person_dn("<given> <surname>")."""
    cn = cn or f"{given_name} {surname}"
    return ad_person_dn(cn), _attributes(
        objectClass=["top", "person", "organizationalPerson", "inetOrgPerson", "user"],
        objectCategory="person",
        cn=cn,
        givenName=given_name,
        sn=surname,
        displayName=f"{given_name} {surname}",
        objectGUID=guid.bytes_le,
        sAMAccountName=sam,
        userPrincipalName=upn or f"{sam}@{UPN_DOMAIN}",
        mail=mail or f"{sam}@{MAIL_DOMAIN}",
        title=title,
        department=department,
        physicalDeliveryOfficeName=office,
        telephoneNumber=phone,
        mobile=mobile,
        manager=manager_dn,
        userAccountControl=str(UAC_NORMAL_ACCOUNT | (UAC_ACCOUNTDISABLE if disabled else 0)),
        accountExpires=str(filetime(expires)) if expires is not None else NEVER_EXPIRES,
        userPassword=password,
        employeeID=employee_id,
    )


def group(
    cn: str, member_dns: Iterable[str], *, base: str | None = None, description: str | None = None
) -> tuple[str, dict]:
    """A groupOfNames under ou=groups (or `base`). Without members, its one member is
    EMPTY_GROUP_MEMBER (the base DN, no person): groupOfNames requires a member."""
    return f"cn={escape_rdn(cn)},{base or GROUPS_DN}", _attributes(
        objectClass=["top", "groupOfNames"],
        cn=cn,
        member=list(member_dns) or [EMPTY_GROUP_MEMBER],
        description=description,
    )


def ad_group(
    cn: str, member_dns: Iterable[str], *, guid: uuid.UUID, base: str | None = None, sam: str | None = None
) -> tuple[str, dict]:
    """An Active Directory-like group ((objectClass=group) matches): group() plus objectGUID,
    sAMAccountName, objectCategory "group" and groupType (global security group)."""
    dn, attributes = group(cn, member_dns, base=base)
    attributes["objectClass"] = [*attributes["objectClass"], "group"]
    attributes.update(
        objectCategory="group", objectGUID=guid.bytes_le, sAMAccountName=sam or cn, groupType=str(-2147483646)
    )
    return dn, attributes


# ---------------------------------------------------------------------------------------------
# Generated people

GIVEN_NAMES = (
    "Hélène", "Jérôme", "Zoë", "Ángel", "Françoise", "Loïc", "Anaïs", "Björn", "Søren", "Małgorzata",
    "Łukasz", "Ségolène", "Noémie", "Maëlle", "Raphaël", "Cédric", "Amélie", "Chloé", "Inès", "Théo",
    "Clément", "Aurélien", "Jürgen", "José", "María", "Íñigo", "João", "Sébastien", "Stéphane", "Valérie",
    "Hervé", "Agnès", "Éléonore", "Thérèse", "André", "Benoît", "Timothée", "Élodie", "Émilie", "Éric",
    "Marie", "Pierre", "Luc", "Anne", "Julien", "Sophie", "Nicolas", "Claire", "Thomas", "Camille",
    "Paul", "Laura", "Marco", "Giulia", "Hans", "Ingrid", "Lars", "Aïcha", "Youssef", "Nathalie",
)  # fmt: skip
SURNAMES = (
    "Lefèvre", "Dupré", "Müller", "Núñez", "Martin", "Bernard", "Dubois", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Michel", "García", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand",
    "Gauthier", "Perrin", "Robin", "Clément", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Rivière",
    "Barbier", "Martínez", "González", "Fernández", "Pérez", "Schäfer", "Schröder", "Köhler", "Weiß", "Jäger",
    "Østergaard", "Kowalski", "Wójcik", "Dvořák", "Horváth", "Rossi", "Esposito", "D'Angelo", "O'Brien",
    "Van der Berg", "De la Fuente",
)  # fmt: skip
DEPARTMENTS = {
    "Engineering": ("Platform", "Mobile", "Data", "Sécurité"),
    "Sales": ("Grands comptes", "PME", "Export"),
    "Marketing": ("Brand", "Événements", "Growth"),
    "Finance": ("Comptabilité", "Contrôle de gestion"),
    "Human Resources": ("Recrutement", "Formation"),
    "Operations": ("Logistique", "Achats", "Support"),
}
TITLES = (
    "Ingénieur logiciel", "Chef de projet", "Product Manager", "Analyste", "Responsable d'équipe",
    "Directrice commerciale", "Comptable", "Chargée de recrutement", "Designer", "Technicien support",
)  # fmt: skip
OFFICES = ("Paris", "Lyon", "Bruxelles", "Genève", "Montréal", "Zürich", "Berlin", "Madrid", "Lisboa", "Kraków")
FAN_OUT = 7  # people(): person i reports to person (i - 1) // FAN_OUT; person 0 to nobody

_SLUG = str.maketrans({"ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "æ": "ae", "œ": "oe", "đ": "d"})


def slug(text: str) -> str:
    """ASCII, lower case, letters and digits only: "Dvořák" -> "dvorak", "D'Angelo" -> "dangelo"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SLUG))
    return "".join(char for char in decomposed.lower() if char.isascii() and char.isalnum())


if len({slug(name) for name in GIVEN_NAMES}) != len(GIVEN_NAMES) or len({slug(name) for name in SURNAMES}) != len(
    SURNAMES
):
    raise RuntimeError("GIVEN_NAMES and SURNAMES need distinct slugs (unique uids)")


def _identity(index: int) -> tuple[str, str, str, int]:
    """(given name, surname, uid, round): every (given, surname) pair once per round."""
    pairs = len(GIVEN_NAMES) * len(SURNAMES)
    round_, rank = divmod(index, pairs)
    column, row = index % len(GIVEN_NAMES), rank // len(GIVEN_NAMES)
    given, surname = GIVEN_NAMES[column], SURNAMES[(row + 7 * column) % len(SURNAMES)]
    uid = f"{slug(given)}.{slug(surname)}" + (str(round_ + 1) if round_ else "")
    return given, surname, uid, round_


def _profile(index: int) -> dict:
    rng = random.Random(index)  # noqa: S311 - test data
    department = rng.choice(sorted(DEPARTMENTS))
    digits = f"{40_000_000 + index % 60_000_000:08d}"
    return {
        "title": rng.choice(TITLES),
        "department": department,
        "team": rng.choice(DEPARTMENTS[department]),
        "office": rng.choice(OFFICES),
        "phone": "+33 1 " + " ".join(digits[start : start + 2] for start in range(0, 8, 2)),
        "mobile": "+33 6 " + " ".join(f"{rng.randrange(100):02d}" for _part in range(4)),
    }


def people(n: int, *, start: int = 0, managers: bool = True) -> list[tuple[str, dict]]:
    """n inetOrgPerson entries (person()), numbers start..start+n-1: the same number always
    gives the same person (unique uid and mail). With managers, person i reports to person
    (i - 1) // FAN_OUT, who comes before (in this list, or in an earlier one when start > 0)."""
    entries = []
    for index in range(start, start + n):
        given, surname, uid, _round = _identity(index)
        manager_uid = _identity((index - 1) // FAN_OUT)[2] if managers and index else None
        entries.append(
            person(
                uid, given, surname, manager_uid=manager_uid, employee_number=str(100_000 + index), **_profile(index)
            )
        )
    return entries


def ad_guid(index: int) -> uuid.UUID:
    """The objectGUID of ad_people()'s person `index`."""
    return uuid.UUID(int=random.Random(f"guid-{index}").getrandbits(128), version=4)  # noqa: S311


def ad_people(n: int, *, start: int = 0, managers: bool = True, disabled_every: int = 0) -> list[tuple[str, dict]]:
    """n Active Directory-like entries (ad_person()) under ou=staff, as people() does (same
    names, sAMAccountName = people()'s uid, objectGUID = ad_guid(i)). With disabled_every=k,
    every k-th person is disabled."""
    entries = []
    for index in range(start, start + n):
        given, surname, sam, round_ = _identity(index)
        cn = f"{given} {surname}" + (f" {round_ + 1}" if round_ else "")
        manager_dn = None
        if managers and index:
            boss_given, boss_surname, _sam, boss_round = _identity((index - 1) // FAN_OUT)
            manager_dn = ad_person_dn(f"{boss_given} {boss_surname}" + (f" {boss_round + 1}" if boss_round else ""))
        profile = _profile(index)
        profile.pop("team")
        entries.append(
            ad_person(
                sam,
                given,
                surname,
                guid=ad_guid(index),
                cn=cn,
                manager_dn=manager_dn,
                disabled=bool(disabled_every) and index % disabled_every == disabled_every - 1,
                employee_id=str(100_000 + index),
                **profile,
            )
        )
    return entries
