"""From a directory entry to what this network keeps of a person: presets and conversion."""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from apps.directory.dn import dn_text
from apps.directory.models import DirectorySource, Preset

# Profile fields a source may own, with their column lengths (longer values are cut).
PROFILE_FIELDS = {
    "display_name": 200,
    "job_title": 200,
    "department": 200,
    "team": 200,
    "location": 200,
    "phone_work": 32,
    "phone_mobile": 32,
    "start_date": None,
}
TEXT_LIMITS = {name: limit for name, limit in PROFILE_FIELDS.items() if limit}
# Always read: who the person is. Names and e-mail address always belong to the directory.
IDENTITY_FIELDS = ("external_id", "username", "email", "first_name", "last_name")
LOGICAL_FIELDS = (*IDENTITY_FIELDS, *PROFILE_FIELDS, "manager", "account_control", "account_expires")

PRESETS: dict[str, dict] = {
    Preset.OPENLDAP: {
        "user_filter": "(objectClass=inetOrgPerson)",
        "group_filter": "(objectClass=groupOfNames)",
        "member": "member",
        "attributes": {
            "external_id": "entryUUID",
            "username": "uid",
            "email": "mail",
            "first_name": "givenName",
            "last_name": "sn",
            "display_name": "displayName",
            "job_title": "title",
            "department": "departmentNumber",
            "team": "ou",
            "location": "l",
            "phone_work": "telephoneNumber",
            "phone_mobile": "mobile",
            "manager": "manager",
            "start_date": "",
            "account_control": "",
            "account_expires": "",
        },
    },
    Preset.ACTIVE_DIRECTORY: {
        "user_filter": "(&(objectCategory=person)(objectClass=user))",
        "group_filter": "(objectClass=group)",
        "member": "member",
        "attributes": {
            "external_id": "objectGUID",
            "username": "sAMAccountName",
            "email": "mail",
            "first_name": "givenName",
            "last_name": "sn",
            "display_name": "displayName",
            "job_title": "title",
            "department": "department",
            "team": "",
            "location": "physicalDeliveryOfficeName",
            "phone_work": "telephoneNumber",
            "phone_mobile": "mobile",
            "manager": "manager",
            "start_date": "",
            "account_control": "userAccountControl",
            "account_expires": "accountExpires",
        },
    },
}

# The common shape of an address, checked first; anything else goes through Django's validator.
_EMAIL = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+\Z")
ACCOUNTDISABLE = 0x2  # userAccountControl flag
NEVER_EXPIRES = {0, 0x7FFFFFFFFFFFFFFF}
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def attribute_names(source: DirectorySource) -> dict[str, str]:
    """Logical field -> directory attribute ('' when the source does not provide it)."""
    names = dict(PRESETS[source.preset]["attributes"])
    names.update({key: value for key, value in (source.attribute_map or {}).items() if key in LOGICAL_FIELDS})
    return names


def user_filter(source: DirectorySource) -> str:
    return source.user_filter or PRESETS[source.preset]["user_filter"]


def group_filter(source: DirectorySource) -> str:
    return source.group_filter or PRESETS[source.preset]["group_filter"]


def member_attribute(source: DirectorySource) -> str:
    return (source.attribute_map or {}).get("member") or PRESETS[source.preset]["member"]


def owned_profile_fields(source: DirectorySource) -> list[str]:
    return [name for name in PROFILE_FIELDS if name in source.owned_fields] + (
        ["manager"] if "manager" in source.owned_fields else []
    )


def config_digest(source: DirectorySource) -> str:
    """Part of every entry's digest: a changed mapping rewrites everyone once."""
    parts = [source.preset, sorted(attribute_names(source).items()), sorted(source.owned_fields)]
    return hashlib.sha1(json.dumps(parts).encode(), usedforsecurity=False).hexdigest()[:12]


@dataclass
class Record:
    """One person as the directory says, ready to compare and write."""

    dn: str
    external_id: str
    username: str
    email: str
    first_name: str
    last_name: str
    profile: dict = field(default_factory=dict)  # owned profile fields only
    manager_dn: str = ""
    manager_external_id: str = ""  # resolved once every entry is read
    disabled: str = ""  # why the directory says this account is off ("disabled", "expired"), or ""
    values_hash: str = ""
    dn_key: str = ""  # the DN in normal form (apps.directory.dn): an equal DN is no change

    def digest(self, config: str) -> str:
        # Unit separators between fields: cheaper than JSON over 100,000 entries, as unambiguous.
        parts = [config, self.dn_key or self.dn, self.username, self.email, self.first_name, self.last_name,
                 *(f"{key}={value}" for key, value in sorted(self.profile.items())),
                 self.manager_external_id, self.disabled]  # fmt: skip
        return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


class EntryError(Exception):
    """This entry cannot be taken: the run reports it with its DN and goes on."""


def _text(values: list[bytes] | None) -> str:
    if not values:
        return ""
    return values[0].decode("utf-8", errors="replace").strip()


def _dn(values: list[bytes] | None) -> str:
    """A DN value as its octets say (dn_text), spaces around it kept: the last may be escaped."""
    text = dn_text(values[0]) if values else ""
    return text if text.strip() else ""


def external_id_of(raw: list[bytes] | None, attribute: str) -> str:
    if not raw:
        return ""
    value = raw[0]
    if attribute.lower() == "objectguid":
        if len(value) != 16:
            raise EntryError(_("objectGUID is not 16 bytes long."))
        return str(uuid.UUID(bytes_le=value))
    return value.decode("ascii", errors="replace").strip().lower()


def _expired(raw: str, now: datetime) -> bool:
    if not raw:
        return False
    try:
        ticks = int(raw)
    except ValueError:
        return False
    if ticks in NEVER_EXPIRES or ticks < 0:
        return False
    try:
        return FILETIME_EPOCH + timedelta(microseconds=ticks // 10) <= now
    except OverflowError:
        return False


def parse_date(raw: str) -> date | None:
    if not raw:
        return None
    # LDAP GeneralizedTime (20240131000000Z) or an ISO date.
    for pattern, size in (("%Y%m%d", 8), ("%Y-%m-%d", 10)):
        try:
            return datetime.strptime(raw[:size], pattern).date()
        except ValueError:
            continue
    return None


def record_from_entry(
    dn: str, attributes: dict[str, list[bytes]], names: dict[str, str], owned: list[str], now: datetime
) -> Record:
    """`attributes` keys are lower-case attribute names; raises EntryError when unusable."""
    return EntryReader(names, owned, now).record(dn, attributes)


def checked_email(email: str) -> str:
    if not _EMAIL.match(email):
        try:
            validate_email(email)
        except ValidationError as error:
            raise EntryError(_("Invalid e-mail address: %(email)s.") % {"email": email}) from error
    return email


class EntryReader:
    """Reads entries into Records with the attribute names worked out once per run."""

    def __init__(self, names: dict[str, str], owned: list[str], now: datetime):
        self.names, self.now = names, now
        self.key = {logical: (names.get(logical) or "").lower() for logical in LOGICAL_FIELDS}
        self.upn_fallback = self.key["username"] == "samaccountname"
        self.texts = [(name, self.key[name], PROFILE_FIELDS[name]) for name in owned if name in TEXT_LIMITS]
        self.start_date = "start_date" in owned
        self.manager = "manager" in owned

    def record(self, dn: str, attributes: dict[str, list[bytes]]) -> Record:
        key, names = self.key, self.names
        external_id = external_id_of(attributes.get(key["external_id"]), key["external_id"])
        if not external_id:
            raise EntryError(
                _("No %(attribute)s: the bind account may not read it.") % {"attribute": names["external_id"]}
            )
        email = _text(attributes.get(key["email"])).lower()
        if not email and self.upn_fallback:
            email = _text(attributes.get("userprincipalname")).lower()
        if not email:
            raise EntryError(_("No e-mail address (%(attribute)s).") % {"attribute": names["email"]})
        checked_email(email)
        record = Record(
            dn=dn,
            external_id=external_id,
            username=_text(attributes.get(key["username"]))[:256],
            email=email[:254],
            first_name=_text(attributes.get(key["first_name"]))[:150],
            last_name=_text(attributes.get(key["last_name"]))[:150],
        )
        profile = record.profile
        for name, attribute, limit in self.texts:
            profile[name] = _text(attributes.get(attribute))[:limit]
        if self.start_date:
            profile["start_date"] = parse_date(_text(attributes.get(key["start_date"])))
        if self.manager:
            record.manager_dn = _dn(attributes.get(key["manager"]))
        control = _text(attributes.get(key["account_control"]))
        if control.isdigit() and int(control) & ACCOUNTDISABLE:
            record.disabled = "disabled"
        elif _expired(_text(attributes.get(key["account_expires"])), self.now):
            record.disabled = "expired"
        return record


def requested_attributes(source: DirectorySource) -> list[str]:
    names = attribute_names(source)
    wanted = {value for value in names.values() if value}
    if names.get("username", "").lower() == "samaccountname":
        wanted.add("userPrincipalName")
    return sorted(wanted)
