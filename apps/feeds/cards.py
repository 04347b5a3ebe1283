"""Feed cards rendered once per version of what they show, shared by the web processes.

Rendering the cards was most of a feed page's time, and a card is read many times
unchanged. Its HTML depends only on the rows loaded for it (the post, its author and
profile, community, shared original, counters and per-row subqueries), on what
`selectors._finish` worked out for this viewer (rights, own reaction, bookmark, votes, a
poll's state), on the language and time zone, and on the templates and code that draw it.
The cache key is a digest of all of them: an edit, a new comment, a renamed author,
another viewer's rights or a new release give another key, so nothing needs invalidating
and no viewer can be served a card made for someone else's rights.

Cards are looked up in the process's memory, then in Redis (what another web process
rendered), and only then rendered. The session's CSRF token is the one thing left out:
cards hold a placeholder, derived from SECRET_KEY, that each request replaces with its own
token.
"""

import functools
import hashlib
import pickle
import sys
from pathlib import Path

import django
import jinja2
from django.conf import settings
from django.core.cache import caches
from django.db.models import Model
from django.template import engines
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.core.when import refresh_relative

CARD_TEMPLATE = "feeds/_post.html"
CSRF_PLACEHOLDER = "csrf-" + salted_hmac("feed-card-csrf", "placeholder").hexdigest()[:32]
SHARED_TIMEOUT = 600  # seconds a card stays in Redis
CSRF_INPUT = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', CSRF_PLACEHOLDER)
# Derived from the primary key alone, or re-derived from values that are in the key already.
_DERIVED = frozenset({"_state", "urls", "attachment_list", "images", "files"})


def _values(instance: Model, seen: set) -> list:
    """Every value loaded for a row and for the related rows loaded with it (a profile
    caches its user, who caches the profile: each row is visited once)."""
    seen.add(id(instance))
    values = [type(instance).__name__]
    for name, value in instance.__dict__.items():
        if name in _DERIVED:
            continue
        values.append((name, value.pk if isinstance(value, Model) else value))
    # The rows select_related loaded: Django's private _state.fields_cache, checked against
    # Django 5.2.19 (tests/core/test_private_apis.py).
    for name, related in instance._state.fields_cache.items():
        if related is None or id(related) not in seen:
            values.append((name, _values(related, seen) if related is not None else None))
    return values


def code_version(environment) -> str:
    """A digest of what draws a card: the templates, the Jinja environment (how
    config/jinja2.py makes it, its filters, globals and tests and the code that defines them),
    the translations (the compiled catalogues) and this module. A release, or a catalogue
    compiled anew, never reads cards that another one rendered."""
    digest = hashlib.blake2b(digest_size=8)
    for source in _sources(environment):
        digest.update(str(source).encode())
        digest.update(source.read_bytes())
    names = {"filters": environment.filters, "globals": environment.globals, "tests": environment.tests}
    for kind, found in names.items():
        digest.update(f"{kind}: {sorted(found)}".encode())
        # Which function each name stands for, the libraries' included (their versions below).
        digest.update(repr(sorted((name, _qualified_name(value)) for name, value in found.items())).encode())
    digest.update(f"{sorted(environment.extensions)} {environment.autoescape!r}".encode())
    digest.update(f"jinja2 {jinja2.__version__} django {django.get_version()}".encode())
    return digest.hexdigest()


def _sources(environment) -> list[Path]:
    base = Path(settings.BASE_DIR)
    sources = sorted((base / "templates" / "jinja").rglob("*.html"))
    sources += [base / "apps/feeds/cards.py", base / "apps/core/reactions.py", base / "config/jinja2.py"]
    values = [*environment.filters.values(), *environment.globals.values(), *environment.tests.values()]
    sources += sorted({path for path in map(_defined_in, values) if path and path.is_relative_to(base)} - set(sources))
    for locale in settings.LOCALE_PATHS:
        sources += sorted(Path(locale).rglob("*.mo"))
    return sources


def _defined_in(value) -> Path | None:
    """The project's file that defines a filter or global; None for a library's."""
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    path = Path(module.__file__).resolve() if module is not None and getattr(module, "__file__", None) else None
    return None if path is None or "site-packages" in path.parts else path


def _qualified_name(value) -> str:
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__qualname__)}"


@functools.cache
def _version_in_use() -> str:
    return code_version(engines["jinja2"].env)


def key_prefix() -> str:
    """What every card of a page shares: the code's version, the language and time zone."""
    return f"card:{_version_in_use()}:{translation.get_language()}:{timezone.get_current_timezone_name()}"


def card_key(post, prefix: str) -> str:
    return f"{prefix}:{hashlib.blake2b(pickle.dumps(_values(post, set()), protocol=5), digest_size=20).hexdigest()}"


def render_cards(posts, csrf_token: str, prefix: str) -> str:
    """The cards of posts that went through `selectors._finish` for this viewer."""
    keys = [card_key(post, prefix) for post in posts]
    local, shared = caches["cards"], caches["default"]
    found = local.get_many(keys)
    if len(found) < len(keys):
        from_shared = shared.get_many([key for key in keys if key not in found])
        local.set_many(from_shared)
        found.update(from_shared)
    rendered = {}
    template = engines["jinja2"].get_template(CARD_TEMPLATE)
    for post, key in zip(posts, keys, strict=True):
        if key not in found:
            found[key] = rendered[key] = template.render({"post": post, "expanded": False, "csrf_input": CSRF_INPUT})
    if rendered:
        local.set_many(rendered)
        shared.set_many(rendered, SHARED_TIMEOUT)
    # A card is cached with its dates' relative texts ("5 min"): brought up to now here.
    html = refresh_relative("".join(found[key] for key in keys))
    return mark_safe(html.replace(CSRF_PLACEHOLDER, csrf_token))  # noqa: S308 (rendered by our template)
