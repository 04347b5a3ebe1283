"""When something happened, one way everywhere: `when_html(value)` is

    <time datetime="2026-12-07T15:03:00Z" title="Monday, 7 December 2026, 16:03" data-when>
      <span aria-hidden="true">5 min</span><span class="visually-hidden">Monday, 7 December 2026, 16:03</span>
    </time>

the moment in UTC for machines, the full date in the viewer's language and time zone for the
title and for screen readers, and a short relative text for the eye: "now", "5 min", "3 h"
(the same calendar day), "yesterday", a weekday within six days, "7 Dec" this year,
"7 Dec 2025" before. `{% load when %}{% when value %}` in Django templates and `when(value)`
in Jinja ones call it; e-mails, read later, use `when_text(value, relative=False)`.

The language is the active one and the time zone Django's current one (the viewer's, set by
profiles' middleware). Names and patterns come from Babel (CLDR) once per language; a date
is then formatted with plain string operations: a feed page shows sixty of them."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimeFormat, get_date_format, get_time_format, parse_pattern
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override, pgettext

# The app's English is British English: day before month, 24-hour clock.
BABEL_LOCALES = {"en": "en_GB"}
UTC = dt.UTC


@dataclass(frozen=True)
class Formats:
    """What one language needs, worked out once: CLDR patterns as %-format strings, the
    names of days and months, and the translated relative words."""

    locale: Locale
    absolute: str  # "%(EEEE)s, %(d)s %(MMMM)s %(y)s, %(HH)s:%(mm)s"
    full_date: str  # "%(EEEE)s, %(d)s %(MMMM)s %(y)s"
    day_month: str  # "%(d)s %(MMM)s"
    day_month_year: str  # "%(d)s %(MMM)s %(y)s"
    now: str
    yesterday: str
    minutes: str  # "%(count)s min"
    hours: str  # "%(count)s h"
    weekdays: tuple[str, ...]  # Monday first, as datetime.weekday()
    months: tuple[str, ...]  # [1] is January
    months_short: tuple[str, ...]


@functools.cache
def formats(language: str) -> Formats:
    code = BABEL_LOCALES.get(language, language)
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (ValueError, LookupError):
        locale = Locale.parse("en_GB")
    date = get_date_format("full", locale).pattern
    time = get_time_format("short", locale).pattern
    combined = str(locale.datetime_formats.get("medium", "{1}, {0}")).replace("{1}", date).replace("{0}", time)
    skeletons = locale.datetime_skeletons
    with override(language):
        return Formats(
            locale=locale,
            absolute=parse_pattern(combined).format,
            full_date=parse_pattern(date).format,
            day_month=parse_pattern(skeletons["MMMd"].pattern).format,
            day_month_year=parse_pattern(skeletons["yMMMd"].pattern).format,
            # Translators: when something happened, less than a minute ago; as short as possible.
            now=pgettext("time ago", "now"),
            yesterday=pgettext("time ago", "yesterday"),
            # Translators: minutes ago, abbreviated ("5 min").
            minutes=pgettext("time ago", "%(count)s min"),
            # Translators: hours ago, abbreviated ("3 h").
            hours=pgettext("time ago", "%(count)s h"),
            weekdays=tuple(locale.days["format"]["wide"][i] for i in range(7)),
            months=("", *(locale.months["format"]["wide"][i] for i in range(1, 13))),
            months_short=("", *(locale.months["format"]["abbreviated"][i] for i in range(1, 13))),
        )


class _Fields(dict):
    """The fields of a CLDR pattern for one moment: the usual ones by plain Python, any
    other through Babel's own (slower) formatter."""

    __slots__ = ("formats", "moment")

    def __init__(self, moment: dt.datetime, formats: Formats):
        super().__init__()
        self.moment = moment
        self.formats = formats

    def __missing__(self, key: str) -> str:
        m, f = self.moment, self.formats
        if key == "d":
            return str(m.day)
        if key == "EEEE":
            return f.weekdays[m.weekday()]
        if key == "MMMM":
            return f.months[m.month]
        if key == "MMM":
            return f.months_short[m.month]
        if key in ("y", "yyyy"):
            return str(m.year)
        if key == "HH":
            return f"{m.hour:02d}"
        if key == "mm":
            return f"{m.minute:02d}"
        if key == "dd":
            return f"{m.day:02d}"
        if key == "H":
            return str(m.hour)
        return DateTimeFormat(m, f.locale)[key]


def _aware(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime(value.year, value.month, value.day))
    return None


def _zone(tz) -> dt.tzinfo:
    if tz is None:
        return timezone.get_current_timezone()
    return ZoneInfo(tz) if isinstance(tz, str) else tz


@functools.lru_cache(maxsize=8192)
def _absolute(language: str, zone: dt.tzinfo, moment: dt.datetime) -> str:
    """Remembered: the same posts are shown to many people in few languages and zones."""
    f = formats(language)
    return f.absolute % _Fields(moment.astimezone(zone), f)


def _relative(f: Formats, zone: dt.tzinfo, moment: dt.datetime, now: dt.datetime) -> str:
    seconds = (now - moment).total_seconds()
    # A clock a little ahead (another server's, the browser's) is still "now".
    if -60 < seconds < 60:
        return f.now
    if 0 < seconds < 3600:
        return f.minutes % {"count": int(seconds // 60)}
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    if seconds > 0:
        days = (today - local.date()).days
        if days == 0:
            return f.hours % {"count": int(seconds // 3600)}
        if days == 1:
            return f.yesterday
        if days <= 6:
            return f.weekdays[local.weekday()]
    if local.year == today.year:
        return f.day_month % _Fields(local, f)
    return f.day_month_year % _Fields(local, f)


def absolute(value, *, language: str | None = None, tz=None) -> str:
    """ "Monday, 7 December 2026, 16:03" in the language and time zone (default: current)."""
    moment = _aware(value)
    if moment is None:
        return ""
    return _absolute(language or get_language() or "en", _zone(tz), moment)


def relative(value, *, now: dt.datetime | None = None, language: str | None = None, tz=None) -> str:
    """The short text: "now", "5 min", "3 h", "yesterday", "Monday", "7 Dec", "7 Dec 2025"."""
    moment = _aware(value)
    if moment is None:
        return ""
    return _relative(formats(language or get_language() or "en"), _zone(tz), moment, now or timezone.now())


def iso_utc(value) -> str:
    moment = _aware(value)
    if moment is None:
        return ""
    u = moment.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def when_text(value, *, relative_text: bool = False, language: str | None = None, tz=None) -> str:
    """Plain text, for e-mails and sentences: the absolute date (or the relative one)."""
    if relative_text:
        return relative(value, language=language, tz=tz)
    return absolute(value, language=language, tz=tz)


def when_html(value, *, now: dt.datetime | None = None, language: str | None = None, tz=None) -> SafeString:
    """The <time> element (module docstring); "" for no value."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return _day_html(value, language=language)
    moment = _aware(value)
    if moment is None:
        return mark_safe("")
    language = language or get_language() or "en"
    zone = _zone(tz)
    full = escape(_absolute(language, zone, moment))
    short = escape(_relative(formats(language), zone, moment, now or timezone.now()))
    return mark_safe(  # noqa: S308 (escaped above)
        f'<time datetime="{iso_utc(moment)}" title="{full}" data-when>'
        f'<span aria-hidden="true">{short}</span><span class="visually-hidden">{full}</span></time>'
    )


def _day_html(day: dt.date, *, language: str | None) -> SafeString:
    """A calendar day (a start date), not a moment: no time zone, "7 Dec 2019"."""
    f = formats(language or get_language() or "en")
    noon = dt.datetime(day.year, day.month, day.day, 12)
    full = escape(f.full_date % _Fields(noon, f))
    short = escape(f.day_month_year % _Fields(noon, f))
    return mark_safe(  # noqa: S308 (escaped above)
        f'<time datetime="{day.isoformat()}" title="{full}">'
        f'<span aria-hidden="true">{short}</span><span class="visually-hidden">{full}</span></time>'
    )


_RELATIVE = re.compile(
    r'(<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)" title="[^"<>]*" data-when><span aria-hidden="true">)'
    r"[^<]*(</span>)"
)


def refresh_relative(html: str, *, now: dt.datetime | None = None, language: str | None = None, tz=None) -> str:
    """HTML rendered earlier (a cached feed card) with its relative texts made true now: a
    card cached an hour ago said "5 min". The title and the screen-reader text, which depend
    only on the language and time zone (part of such a cache's key), are kept."""
    if "data-when>" not in html:
        return html
    now = now or timezone.now()

    def fresh(match: re.Match) -> str:
        moment = dt.datetime.fromisoformat(match[2].replace("Z", "+00:00"))
        return f"{match[1]}{escape(relative(moment, now=now, language=language, tz=tz))}{match[3]}"

    return _RELATIVE.sub(fresh, html)
