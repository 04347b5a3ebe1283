"""Outlook CSV exports and vCard files, with their broken rows."""

from pathlib import Path

from apps.directory.contact_files import decode_upload, parse_csv, parse_vcard

FILES = Path(__file__).parent / "files"


def _read(name):
    return decode_upload((FILES / name).read_bytes())


def test_an_english_outlook_export():
    contacts, errors = parse_csv(_read("outlook_en.csv"))
    by_name = {c.name: c for c in contacts}
    assert sorted(by_name) == ["Hélène Lefèvre", "Jérôme Dupré", "Only Phone", "Ángel Núñez"]
    helene = by_name["Hélène Lefèvre"]
    assert helene.emails == ["helene.lefevre@contoso.example", "h.lefevre@home.example"]
    assert helene.phones == ["+33 1 23 45 67 89", "+33 6 12 34 56 78"]
    assert (helene.company, helene.department, helene.job_title) == ("Contoso", "Finance", "Directrice financière")
    assert by_name["Jérôme Dupré"].emails == ["jdupre@example.com"]
    assert by_name["Only Phone"].key == "name:only phone"
    assert [(e.line, e.reason) for e in errors] == [
        (4, "Invalid e-mail address: not-an-address."),
        (5, "Neither a name nor an e-mail address."),
        (6, "27 columns where the header has 26."),
    ]


def test_a_french_outlook_export_in_the_windows_code_page_with_semicolons():
    contacts, errors = parse_csv(_read("outlook_fr.csv"))
    assert errors == []
    assert [(c.name, c.emails, c.department) for c in contacts] == [
        ("Françoise Noël", ["francoise.noel@sg.example"], "Crédit"),
        ("Cédric Leroy", ["cedric.leroy@partner.example", "cedric@perso.example"], ""),
    ]


def test_a_file_that_is_not_an_outlook_export():
    contacts, errors = parse_csv("colour,size\nred,4\n")
    assert contacts == [] and errors[0].line == 1 and "Outlook" in errors[0].reason
    assert parse_csv("")[1][0].reason == "The file is empty."


def test_vcards_of_every_version():
    contacts, errors = parse_vcard(_read("contacts.vcf"))
    by_name = {c.name: c for c in contacts}
    assert sorted(by_name) == ["Hélène Lefèvre", "Zoë Müller", "Ángel Núñez"]
    helene = by_name["Hélène Lefèvre"]
    assert (helene.first_name, helene.last_name, helene.company, helene.department) == (
        "Hélène", "Lefèvre", "Contoso", "Finance")  # fmt: skip
    assert helene.uid == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert by_name["Zoë Müller"].emails == ["zoe.muller@fabrikam.example"]  # vCard 2.1, quoted-printable
    assert by_name["Ángel Núñez"].emails == ["angel.nunez@fabrikam.example"]  # vCard 4.0, mailto:
    assert by_name["Ángel Núñez"].phones == ["+34-600-000-000"]
    # A card's problems are reported at the line where the card begins.
    assert [(e.line, e.reason) for e in errors] == [
        (27, "Neither a name nor an e-mail address."),
        (31, "Invalid e-mail address: bad@@example."),
        (36, "A card without END:VCARD."),
    ]


def test_a_file_without_cards():
    contacts, errors = parse_vcard("hello\nworld\n")
    assert contacts == []
    assert [(e.line, e.reason) for e in errors] == [(1, "No card found: is this a vCard (.vcf) file?")]
