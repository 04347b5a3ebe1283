"""English and French must ship: the French catalogue is complete and the pages follow the chosen language.

The pages are rendered with the compiled catalogue (`make test` compiles it first, as the build does).
"""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_PATH = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

LOGIN = "/accounts/login/"
SET_LANGUAGE = "/i18n/setlang/"

# %(name)s, %(count)d, and bare %s / %d; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifgexXrc]")
# {% translate "..." %} / {% trans '...' %} with a plain literal (no context): makemessages extracts them.
TEMPLATE_STRING = re.compile(r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<text>.*?)(?P=q)(?P<rest>[^%]*)%}""")


@pytest.fixture(autouse=True)
def _restore_language():
    """Requests activate French in this thread; later tests start again from the default language."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _catalogue():
    with PO_PATH.open("rb") as f:
        return read_po(f, locale="fr", domain="django")


def _messages():
    return [message for message in _catalogue() if message.id]


def _as_tuple(value):
    return value if isinstance(value, tuple | list) else (value,)


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


# -- the catalogue -------------------------------------------------------------------------------------------------


def test_catalogue_header_is_french_utf8_and_not_fuzzy():
    catalogue = _catalogue()
    assert not catalogue.fuzzy, "the header of django.po is still marked fuzzy"
    assert catalogue.mime_headers
    headers = dict(catalogue.mime_headers)
    assert headers["Language"] == "fr"
    assert "charset=utf-8" in headers["Content-Type"].lower()
    assert catalogue.charset.lower() == "utf-8"
    assert headers["Plural-Forms"] == "nplurals=2; plural=(n > 1);"


def test_every_entry_is_translated_and_not_fuzzy():
    messages = _messages()
    assert len(messages) > 10
    untranslated = [m.id for m in messages if not all(_as_tuple(m.string)) or len(_as_tuple(m.string)) == 0]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_are_the_same_in_msgid_and_msgstr():
    mismatches = []
    for message in _messages():
        ids = _as_tuple(message.id)
        # Plural entries: French form i (0: n <= 1, 1: n > 1) answers English form i.
        for index, string in enumerate(_as_tuple(message.string)):
            if _placeholders(string) != _placeholders(ids[min(index, len(ids) - 1)]):
                mismatches.append((message.id, string))
    assert mismatches == []


def test_babel_finds_no_errors_in_the_catalogue():
    errors = [(message.id, [str(e) for e in errs]) for message, errs in _catalogue().check()]
    assert errors == []


def test_every_literal_template_string_is_in_the_catalogue():
    """A {% translate %} added to a template without `make messages` would ship in English."""
    ids = {message.id for message in _messages() if not message.context}
    missing = []
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        for match in TEMPLATE_STRING.finditer(path.read_text(encoding="utf-8")):
            if "context" in match["rest"]:
                continue
            if match["text"] not in ids:
                missing.append((str(path.relative_to(TEMPLATES_DIR)), match["text"]))
    assert missing == [], "run `make messages` and translate the new entries"


def test_compiled_catalogue_matches_the_po_file():
    assert MO_PATH.exists(), "compile the catalogues: make compilemessages"
    with MO_PATH.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [
        m.id
        for m in _messages()
        if isinstance(m.id, str)
        and (compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)) != m.string
    ]
    assert stale == [], "the .mo file is older than django.po: make compilemessages"


# -- the pages -----------------------------------------------------------------------------------------------------


class _LanguageForms(HTMLParser):
    """Collects the forms posting to set_language, with the classes of the elements around each one."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.forms = []
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == reverse("set_language"):
            classes = {c for _, element_classes in self.stack for c in element_classes}
            self.current = {"within": classes, "inputs": {}, "options": [], "selected": None, "select": None}
            self.forms.append(self.current)
        elif self.current is not None:
            if tag == "input" and attrs.get("name"):
                self.current["inputs"][attrs["name"]] = attrs.get("value")
            elif tag == "select":
                self.current["select"] = attrs.get("name")
            elif tag == "option":
                self.current["options"].append(attrs.get("value"))
                if "selected" in attrs:
                    self.current["selected"] = attrs.get("value")
        if tag not in {"input", "meta", "link", "br", "img", "hr"}:
            self.stack.append((tag, set((attrs.get("class") or "").split())))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        while self.stack:
            opened, _ = self.stack.pop()
            if opened == tag:
                break


def _language_forms(response):
    parser = _LanguageForms()
    parser.feed(response.content.decode())
    return parser.forms


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, present, absent",
    [
        # Our templates' skip link, and allauth's own French ("Connexion" is "Sign In").
        ("fr", ["Aller au contenu principal", "Connexion", "Mot de passe"], ["Skip to main content", "Sign In"]),
        ("en", ["Skip to main content", "Sign In"], ["Aller au contenu principal", "Connexion"]),
    ],
)
def test_sign_in_page_follows_accept_language(client, language, present, absent):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}"' in html
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


@pytest.mark.django_db
def test_choosing_french_in_the_language_form_translates_the_home_page(client, user):
    client.force_login(user)
    english = client.get("/").content.decode()
    assert '<html lang="en"' in english
    assert ">Communities</a>" in english

    response = client.post(SET_LANGUAGE, {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert settings.LANGUAGE_COOKIE_NAME == "django_language"
    assert cookie.value == "fr"

    # The cookie wins over the browser's own preference.
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr"' in html
    for label in ("Accueil", "Communautés", "Personnes", "Mon profil", "Se déconnecter"):
        assert f">{label}</" in html, label
    assert ">Communities</a>" not in html
    assert "Sign out" not in html


@pytest.mark.django_db
def test_choosing_english_again_restores_english(client, user):
    client.force_login(user)
    client.post(SET_LANGUAGE, {"language": "fr", "next": "/"})
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en"' in html
    assert ">Communities</a>" in html


@pytest.mark.django_db
def test_signed_in_layout_has_the_language_form_in_the_profile_menu(client, user):
    client.force_login(user)
    forms = _language_forms(client.get("/"))
    assert len(forms) == 1
    form = forms[0]
    assert "account-menu" in form["within"]  # the top bar's account drop-down
    assert form["select"] == "language"
    assert form["options"] == [code for code, _ in settings.LANGUAGES]
    assert form["selected"] == "en"
    assert form["inputs"]["next"] == "/"
    assert "csrfmiddlewaretoken" in form["inputs"]


@pytest.mark.django_db
def test_sign_in_page_has_the_language_form_for_visitors(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr")
    forms = _language_forms(response)
    assert len(forms) == 1
    form = forms[0]
    assert "entrance" in form["within"]
    assert "account-menu" not in form["within"]
    assert form["options"] == ["en", "fr"]
    assert form["selected"] == "fr"
    assert form["inputs"]["next"] == LOGIN
    assert "csrfmiddlewaretoken" in form["inputs"]


@pytest.mark.django_db
def test_visitor_can_choose_french_on_the_sign_in_page(client):
    response = client.post(SET_LANGUAGE, {"language": "fr", "next": LOGIN})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    html = client.get(LOGIN).content.decode()
    assert '<html lang="fr"' in html
    assert "Connexion" in html
