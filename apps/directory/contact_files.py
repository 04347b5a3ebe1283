"""Reading contact files: Outlook CSV exports and vCard (2.1, 3.0, 4.0). A broken row or card
is reported with its line and reason; the others are read."""

import csv
import io
import quopri
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from apps.core.text import fold


@dataclass
class ParsedContact:
    line: int
    first_name: str = ""
    last_name: str = ""
    name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    job_title: str = ""
    department: str = ""
    uid: str = ""

    @property
    def key(self) -> str:
        """What makes two imports the same contact: the first address, else the file's own
        id, else the name."""
        if self.emails:
            return self.emails[0]
        if self.uid:
            return f"uid:{self.uid}"[:320]
        return f"name:{fold(self.name)}"[:320]


@dataclass
class RowError:
    line: int
    reason: str


def decode_upload(data: bytes) -> str:
    """Outlook writes UTF-8 (with a BOM) or the Windows code page of its language."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _clean_emails(values: list[str], line: int, errors: list[RowError]) -> list[str]:
    emails = []
    for value in values:
        value = value.strip().strip("<>").lower()
        if value.startswith("mailto:"):
            value = value[7:]
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            errors.append(RowError(line, _("Invalid e-mail address: %(email)s.") % {"email": value}))
            continue
        if value not in emails:
            emails.append(value)
    return emails


def _finish(contact: ParsedContact, errors: list[RowError]) -> ParsedContact | None:
    contact.name = (contact.name or f"{contact.first_name} {contact.last_name}".strip() or contact.company)[:200]
    contact.first_name, contact.last_name = contact.first_name[:150], contact.last_name[:150]
    contact.company, contact.job_title = contact.company[:200], contact.job_title[:200]
    contact.department = contact.department[:200]
    contact.phones = [phone[:64] for phone in contact.phones if phone][:10]
    contact.emails = contact.emails[:10]
    if not contact.name and not contact.emails:
        errors.append(RowError(contact.line, _("Neither a name nor an e-mail address.")))
        return None
    if not contact.name:
        contact.name = contact.emails[0]
    return contact


# Outlook's export headers, in English and in French (the languages we ship).
CSV_COLUMNS = {
    "first_name": ("first name", "prénom"),
    "last_name": ("last name", "nom"),
    "name": ("name", "display name", "nom complet", "nom complet (affiché)"),
    "emails": ("e-mail address", "e-mail 2 address", "e-mail 3 address", "email address", "email",
               "adresse de messagerie", "adresse de messagerie 2", "adresse de messagerie 3"),
    "phones": ("business phone", "business phone 2", "mobile phone", "home phone", "primary phone",
               "téléphone (bureau)", "téléphone 2 (bureau)", "tél. mobile", "téléphone mobile", "téléphone (domicile)"),
    "company": ("company", "société"),
    "job_title": ("job title", "titre", "fonction"),
    "department": ("department", "service"),
}  # fmt: skip


def parse_csv(text: str) -> tuple[list[ParsedContact], list[RowError]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    errors: list[RowError] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, _("The file is empty."))]
    columns: dict[str, list[int]] = {}
    for index, title in enumerate(header):
        title = title.strip().lower()
        for name, titles in CSV_COLUMNS.items():
            if title in titles:
                columns.setdefault(name, []).append(index)
    if not columns.get("emails") and not (columns.get("first_name") or columns.get("name")):
        return [], [RowError(1, _("No e-mail or name column: is this an Outlook CSV export?"))]
    contacts = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(reader.line_num, str(error)))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            errors.append(RowError(line, _("%(count)d columns where the header has %(expected)d.") % {
                "count": len(row), "expected": len(header)}))  # fmt: skip
            continue

        def cells(name, row=row):
            return [row[i].strip() for i in columns.get(name, ()) if i < len(row) and row[i].strip()]

        def cell(name, row=row):
            values = cells(name, row)
            return values[0] if values else ""

        row_errors: list[RowError] = []
        contact = ParsedContact(
            line=line, first_name=cell("first_name"), last_name=cell("last_name"), name=cell("name"),
            emails=_clean_emails(cells("emails"), line, row_errors), phones=cells("phones"),
            company=cell("company"), job_title=cell("job_title"), department=cell("department"),
        )  # fmt: skip
        if row_errors and not contact.emails:
            errors.extend(row_errors)
            continue
        errors.extend(row_errors)
        finished = _finish(contact, errors)
        if finished:
            contacts.append(finished)
    return contacts, errors


_PARAMETERS = re.compile(r";(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the number of their first physical line. vCard folds long lines
    with a leading space; vCard 2.1's quoted-printable ones with a trailing '='."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif lines and lines[-1][1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1][1].split(":", 1)[0].upper():
            lines[-1] = (lines[-1][0], lines[-1][1][:-1] + raw)
        else:
            lines.append((number, raw))
    return lines


def _value(name_part: str, value: str) -> str:
    parameters = [p.upper() for p in _PARAMETERS.split(name_part)[1:]]
    charset = next((p.split("=", 1)[1] for p in parameters if p.startswith("CHARSET=")), "UTF-8")
    if "ENCODING=QUOTED-PRINTABLE" in parameters or "QUOTED-PRINTABLE" in parameters:
        raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("latin-1")
    return value.replace("\\n", " ").replace("\\N", " ").replace("\\,", ",").replace("\\;", ";").strip()


def parse_vcard(text: str) -> tuple[list[ParsedContact], list[RowError]]:
    contacts: list[ParsedContact] = []
    errors: list[RowError] = []
    card: ParsedContact | None = None
    emails: list[str] = []
    for number, line in _unfold(text):
        if not line.strip():
            continue
        name_part, sep, value = line.partition(":")
        if not sep:
            if card is not None:
                errors.append(RowError(number, _("Unreadable line: %(line)s") % {"line": line[:80]}))
            continue
        prop = _PARAMETERS.split(name_part)[0].split(".")[-1].upper()
        if prop == "BEGIN" and value.strip().upper() == "VCARD":
            if card is not None:
                errors.append(RowError(card.line, _("A card without END:VCARD.")))
            card, emails = ParsedContact(line=number), []
            continue
        if card is None:
            errors.append(RowError(number, _("Outside of a card (BEGIN:VCARD ... END:VCARD).")))
            continue
        if prop == "END":
            card_errors: list[RowError] = []
            card.emails = _clean_emails(emails, card.line, card_errors)
            errors.extend(card_errors)
            # As for a CSV row: a card whose addresses are all wrong is reported, not half-taken.
            finished = None if card_errors and not card.emails else _finish(card, errors)
            if finished:
                contacts.append(finished)
            card = None
            continue
        value = _value(name_part, value)
        if prop == "FN":
            card.name = value
        elif prop == "N":
            parts = [*value.split(";"), "", ""][:2]
            card.last_name, card.first_name = parts[0].strip(), parts[1].strip()
        elif prop == "EMAIL":
            emails.append(value)
        elif prop == "TEL":
            card.phones.append(value.removeprefix("tel:"))
        elif prop == "ORG":
            org = [part.strip() for part in value.split(";")]
            card.company = org[0]
            card.department = org[1] if len(org) > 1 else ""
        elif prop == "TITLE":
            card.job_title = value
        elif prop == "UID":
            card.uid = value
    if card is not None:
        errors.append(RowError(card.line, _("A card without END:VCARD.")))
    if not contacts and not errors:
        errors.append(RowError(1, _("No card found: is this a vCard (.vcf) file?")))
    return contacts, errors


def normalise(raw: Iterable[ParsedContact]) -> tuple[list[ParsedContact], list[RowError]]:
    """Contacts read from a server (Exchange): addresses checked and names completed as for a file."""
    contacts: list[ParsedContact] = []
    errors: list[RowError] = []
    for contact in raw:
        address_errors: list[RowError] = []
        contact.emails = _clean_emails(contact.emails, contact.line, address_errors)
        errors.extend(address_errors)
        finished = None if address_errors and not contact.emails else _finish(contact, errors)
        if finished:
            contacts.append(finished)
    return contacts, errors
