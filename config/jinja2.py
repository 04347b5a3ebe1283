"""The Jinja2 environment of the templates under templates/jinja/: the feed cards and the partials
they are made of, rendered twenty to a page and by every htmx action on a post. Django's
template language took 0.75 ms a card; Jinja2 compiles templates to Python functions.

Templates there translate with `_("...")` only (Django's makemessages reads it from
`{{ }}`); plural forms come from Python helpers (apps/feeds/templatetags/feeds.py), where
makemessages finds them too."""

import functools

from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import Environment


def url(name: str, *args) -> str:
    return reverse(name, args=args)


@functools.lru_cache(maxsize=4096)
def _translated(language: str, message: str) -> str:
    return gettext(message)


def cached_gettext(message: str) -> str:
    """gettext, remembered per language: a card asks for the same fifteen strings."""
    return _translated(get_language(), message)


def environment(**options) -> Environment:
    from apps.core.icons import icon_svg
    from apps.core.when import when_html
    from apps.feeds.templatetags import feeds
    from apps.profiles.templatetags import people

    options.pop("autoescape", None)
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True, **options)
    env.install_gettext_callables(cached_gettext, ngettext, newstyle=False)
    env.globals.update(
        url=url, static=static, person=people.person_html, avatar=people.avatar_html, icon=icon_svg, when=when_html
    )
    env.filters.update(feeds.JINJA_FILTERS)
    return env
