"""Distinguished names in one normal form, so that DNs are compared as names, not as text.

Servers write the same DN in different but equal forms (RFC 4514): a comma in a value as
`\\,` or `\\2C`, UTF-8 as is or hex-escaped (`\\C3\\A8`), attribute types in any case or as
OIDs, spaces around `=`, `,` and `+`, quoted values (RFC 1779), `;` between RDNs, the values
of a multi-valued RDN in any order, and values in any case (cn, ou, dc, uid compare without
case). normal_dn() gives every one of them the same text: the key under which a DN is looked
up (a manager, a group member, a nested group, an entry that moved). searchable_dn() gives
a DN found in a value the strict form that a search base needs.

Different names never share a key: escapes of octets that are no UTF-8 (Latin-1 written as
hex) stay those octets, as lower-case escapes, and text whose attribute types are no types
(`CN=a;b,OU=x`: "b,OU" is none) is no DN (is_dn), whose form only equals itself.

ldap3's own parser (ldap3.utils.dn.parse_dn, 2.9.1) is not used: it keeps escapes as written
(`\\,` and `\\2C` stay different), refuses spaces after a comma and quoted values."""

import re
import unicodedata

from ldap3.utils.dn import escape_rdn

# The attribute types of DNs that also come as OIDs; other OIDs stay as they are.
_OID_NAMES = {
    "2.5.4.3": "cn", "2.5.4.4": "sn", "2.5.4.5": "serialnumber", "2.5.4.6": "c", "2.5.4.7": "l",
    "2.5.4.8": "st", "2.5.4.9": "street", "2.5.4.10": "o", "2.5.4.11": "ou", "2.5.4.12": "title",
    "2.5.4.42": "givenname", "0.9.2342.19200300.100.1.1": "uid", "0.9.2342.19200300.100.1.25": "dc",
    "1.2.840.113549.1.9.1": "emailaddress",
}  # fmt: skip
# A DN already in normal form once case folded: lower-case types, values without escapes,
# quotes or spaces at their ends. Most DNs are: they take no parsing.
_VALUE = r"[^\s,=+;\\\"#<>]+(?: [^\s,=+;\\\"#<>]+)*"
_SIMPLE = re.compile(rf"[a-z][a-z0-9-]*={_VALUE}(?:,[a-z][a-z0-9-]*={_VALUE})*")
_HEX = frozenset("0123456789abcdefABCDEF")
# An attribute type (RFC 4512): a descriptor, or a numeric OID (RFC 1779's "OID." before it).
_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9-]*|(?:oid\.)?(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+", re.IGNORECASE)
# Octets that are no UTF-8 are decoded as U+DC80-U+DCFF ("surrogateescape"), one per octet:
# they are written back as the escapes \xx, never as a character another octet also gives.
_OCTETS = re.compile("[\udc80-\udcff]")
_INVALID = "\x00"  # starts the form of text that is no DN: no DN's form starts with it


class InvalidDN(ValueError):
    pass


def normal_dn(dn: str) -> str:
    """The normal form of `dn`; text that is no valid DN gets a form that only equals itself."""
    folded = dn.casefold()
    if _SIMPLE.fullmatch(folded) and (
        dn.isascii() or (unicodedata.is_normalized("NFKC", dn) and not _OCTETS.search(dn))
    ):
        return folded
    try:
        rdns = _parsed(dn)
    except InvalidDN:
        return _INVALID + " ".join(folded.split())
    return ",".join(
        "+".join(sorted(f"{_type(kind)}={value if ber else _escaped(_value(value))}" for kind, value, ber in rdn))
        for rdn in rdns
    )


def is_dn(dn: str) -> bool:
    """Whether `dn` is a DN (RFC 4514, or RFC 1779's quotes and semicolons) that a server can
    search for: its values' octets are UTF-8 (slapd answers others "invalidDNSyntax")."""
    try:
        rdns = _parsed(dn)
    except InvalidDN:
        return False
    return not any(_OCTETS.search(value) for rdn in rdns for _kind, value, ber in rdn if not ber)


def dn_text(raw: bytes) -> str:
    """A DN read from the server as octets: octets that are no UTF-8 become their escapes, so
    that the text names the same octets (and not U+FFFD, which other octets also give)."""
    return _OCTETS.sub(_octet_escape, raw.decode("utf-8", errors="surrogateescape"))


def searchable_dn(dn: str) -> str:
    """`dn` in the strict form of RFC 4514 that ldap3 accepts as a search base (it refuses
    spaces around '=', quotes, semicolons), case kept; as it is when it is no valid DN."""
    if _SIMPLE.fullmatch(dn.casefold()):
        return dn
    try:
        rdns = _parsed(dn)
    except InvalidDN:
        return dn
    return ",".join(
        "+".join(f"{_type(kind)}={value if ber else _octets_escaped(escape_rdn(value) if value else '')}"
                 for kind, value, ber in rdn)
        for rdn in rdns
    )  # fmt: skip


def _type(kind: str) -> str:
    kind = kind.strip().lower()
    if kind.startswith("oid."):
        kind = kind[4:]
    return _OID_NAMES.get(kind, kind)


def _value(value: str) -> str:
    """As caseIgnoreMatch compares (RFC 4518): compatibility normalisation, case folded,
    leading and trailing spaces dropped, inner runs of spaces as one."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return " ".join(value.casefold().split())


def _escaped(value: str) -> str:
    """A value as it appears in the normal form: only what separates values, and a leading
    '#' (which would read as BER), is escaped."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace("+", "\\+")
    return _octets_escaped("\\" + value if value.startswith("#") else value)


def _octets_escaped(value: str) -> str:
    """Octets that are no UTF-8 as escapes (\\e8); a backslash of the value itself is already
    escaped (\\\\) by then, so the two never read alike."""
    return _OCTETS.sub(_octet_escape, value) if not value.isascii() else value


def _octet_escape(match: re.Match) -> str:
    return f"\\{ord(match.group()) - 0xDC00:02x}"


def _parsed(dn: str) -> list[list[tuple[str, str, bool]]]:
    """The RDNs of `dn`, each a list of (attribute type as written, value unescaped, whether
    the value is BER in hex: '#...')."""
    rdns: list[list[tuple[str, str, bool]]] = [[]]
    position, size = 0, len(dn)
    if not dn.strip():
        return []
    while True:
        # attributeType, then '=' (spaces around allowed)
        while position < size and dn[position] == " ":
            position += 1
        start = position
        while position < size and dn[position] not in "= ":
            position += 1
        kind = dn[start:position]
        while position < size and dn[position] == " ":
            position += 1
        if not _TYPE.fullmatch(kind) or position >= size or dn[position] != "=":
            raise InvalidDN(dn)
        position += 1
        value, ber, position = _read_value(dn, position)
        rdns[-1].append((kind, value, ber))
        if position >= size:
            break
        separator = dn[position]
        position += 1
        if separator in ",;":
            rdns.append([])
        elif separator != "+":
            raise InvalidDN(dn)
    return rdns


def _read_value(dn: str, position: int) -> tuple[str, bool, int]:
    """(the value, whether it is BER, the position of the separator after it or the end)."""
    size = len(dn)
    while position < size and dn[position] == " ":
        position += 1
    if position < size and dn[position] == "#":  # BER, as hex: compared as such
        end = position + 1
        while end < size and dn[end] in _HEX:
            end += 1
        value = "#" + dn[position + 1 : end].lower()
        return value, True, _after_value(dn, end)
    quoted = position < size and dn[position] == '"'
    if quoted:
        position += 1
    raw = bytearray()
    kept = 0  # the value ends there: after it, only unescaped spaces before a separator
    while position < size:
        char = dn[position]
        if quoted and char == '"':
            position += 1
            break
        if not quoted and char in ",;+":
            break
        if char == "\\":
            pair = dn[position + 1 : position + 3]
            if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
                raw.append(int(pair, 16))
                position += 3
            elif len(pair) >= 1:
                raw += _octets(pair[0], dn)
                position += 2
            else:
                raise InvalidDN(dn)
            kept = len(raw)
            continue
        raw += _octets(char, dn)
        position += 1
        if quoted or char != " ":
            kept = len(raw)
    else:
        if quoted:
            raise InvalidDN(dn)
    # Escaped spaces at the ends belong to the value (a search base keeps them); caseIgnoreMatch
    # then ignores them when names are compared (_value).
    value = bytes(raw[:kept]).decode("utf-8", errors="surrogateescape")
    return value, False, _after_value(dn, position)


def _octets(char: str, dn: str) -> bytes:
    try:
        return char.encode("utf-8", errors="surrogateescape")  # what dn_text decoded stays those octets
    except UnicodeEncodeError as error:
        raise InvalidDN(dn) from error


def _after_value(dn: str, position: int) -> int:
    while position < len(dn) and dn[position] == " ":
        position += 1
    if position < len(dn) and dn[position] not in ",;+":
        raise InvalidDN(dn)
    return position
