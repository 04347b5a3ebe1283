"""A feed card's HTML, rendered once per version of what it shows.

Rendering the cards was most of a feed page's time (20 cards: about 50 ms), and a card is
read many times unchanged. Its HTML depends only on the rows loaded for it (the post, its
author and profile, community, shared original, counters and per-row subqueries), on what
`selectors._finish` worked out for this viewer (rights, own reaction, bookmark, votes, a
poll's state) and on the language and time zone. The cache key is a digest of all of them:
an edit, a new comment, a renamed author or another viewer's rights give another key, so
nothing needs invalidating and no viewer can be served a card made for someone else's
rights. The session's CSRF token is the one thing left out of the key: cards are rendered
with a per-process placeholder that each request replaces with its own token.
"""

import hashlib
import pickle
import secrets

from django.core.cache import caches
from django.db.models import Model
from django.template import engines
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

CARD_TEMPLATE = "feeds/_post.html"
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
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


def key_prefix() -> str:
    """What every card of a page shares: its language and time zone."""
    return f"card:{translation.get_language()}:{timezone.get_current_timezone_name()}"


def card_key(post, prefix: str) -> str:
    return f"{prefix}:{hashlib.blake2b(pickle.dumps(_values(post, set()), protocol=5), digest_size=20).hexdigest()}"


def render_card(post, csrf_token: str, prefix: str) -> str:
    """The card of a post that went through `selectors._finish` for this viewer."""
    cache = caches["cards"]
    key = card_key(post, prefix)
    html = cache.get(key)
    if html is None:
        template = engines["jinja2"].get_template(CARD_TEMPLATE)
        html = template.render({"post": post, "expanded": False, "csrf_input": CSRF_INPUT})
        cache.set(key, html)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, csrf_token))  # noqa: S308 (rendered by our template)
