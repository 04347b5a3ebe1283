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

import hashlib
import pickle
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Model
from django.template import engines
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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
    for name, related in instance._state.fields_cache.items():
        if related is None or id(related) not in seen:
            values.append((name, _values(related, seen) if related is not None else None))
    return values


def _code_version() -> str:
    """A digest of the templates and code that draw a card: a release never reads cards
    another release rendered."""
    base = Path(settings.BASE_DIR)
    sources = sorted((base / "templates" / "jinja").rglob("*.html"))
    sources += [base / "apps/feeds/cards.py", base / "apps/feeds/templatetags/feeds.py"]
    sources += [base / "apps/profiles/templatetags/people.py"]
    digest = hashlib.blake2b(digest_size=8)
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()


def key_prefix() -> str:
    """What every card of a page shares: the code's version, the language and time zone."""
    return f"card:{CODE_VERSION}:{translation.get_language()}:{timezone.get_current_timezone_name()}"


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
    html = "".join(found[key] for key in keys)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, csrf_token))  # noqa: S308 (rendered by our template)
