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
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimeFormat, get_date_format, get_time_format, parse_pattern
from django.utils import timezone
from django.utils.html import escape
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
        )


class _Fields(dict):
    """The fields of a CLDR pattern for one moment: the usual ones by plain Python, any
    other through Babel's own (slower) formatter."""

    __slots__ = ("locale", "moment")

    def __init__(self, moment: dt.datetime, locale: Locale):
        super().__init__()
        self.moment = moment
        self.locale = locale

    def __missing__(self, key: str) -> str:
        m, names = self.moment, self.locale
        if key == "d":
            return str(m.day)
        if key == "dd":
            return f"{m.day:02d}"
        if key == "EEEE":
            return names.days["format"]["wide"][m.weekday()]
        if key == "MMMM":
            return names.months["format"]["wide"][m.month]
        if key == "MMM":
            return names.months["format"]["abbreviated"][m.month]
        if key in ("y", "yyyy"):
            return str(m.year)
        if key == "HH":
            return f"{m.hour:02d}"
        if key == "H":
            return str(m.hour)
        if key == "mm":
            return f"{m.minute:02d}"
        return DateTimeFormat(m, self.locale)[key]


def _aware(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime(value.year, value.month, value.day))
    return None


def _zone(tz) -> dt.tzinfo:
    if tz is None:
        return timezone.get_current_timezone()
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def absolute(value, *, language: str | None = None, tz=None) -> str:
    """ "Monday, 7 December 2026, 16:03" in the language and time zone (default: current)."""
    moment = _aware(value)
    if moment is None:
        return ""
    f = formats(language or get_language() or "en")
    local = moment.astimezone(_zone(tz))
    return f.absolute % _Fields(local, f.locale)


def relative(value, *, now: dt.datetime | None = None, language: str | None = None, tz=None) -> str:
    """The short text: "now", "5 min", "3 h", "yesterday", "Monday", "7 Dec", "7 Dec 2025"."""
    moment = _aware(value)
    if moment is None:
        return ""
    f = formats(language or get_language() or "en")
    zone = _zone(tz)
    now = now or timezone.now()
    seconds = (now - moment).total_seconds()
    local = moment.astimezone(zone)
    # A clock a little ahead (another server's, the browser's) is still "now".
    if -60 < seconds < 60:
        return f.now
    today = now.astimezone(zone).date()
    if seconds > 0:
        if seconds < 3600:
            return f.minutes % {"count": int(seconds // 60)}
        days = (today - local.date()).days
        if days == 0:
            return f.hours % {"count": int(seconds // 3600)}
        if days == 1:
            return f.yesterday
        if days <= 6:
            return f.locale.days["format"]["wide"][local.weekday()]
    if local.year == today.year:
        return f.day_month % _Fields(local, f.locale)
    return f.day_month_year % _Fields(local, f.locale)


def iso_utc(value) -> str:
    moment = _aware(value)
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


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
    full = escape(absolute(moment, language=language, tz=tz))
    short = escape(relative(moment, now=now, language=language, tz=tz))
    return mark_safe(  # noqa: S308 (escaped above)
        f'<time datetime="{iso_utc(moment)}" title="{full}" data-when>'
        f'<span aria-hidden="true">{short}</span><span class="visually-hidden">{full}</span></time>'
    )


def _day_html(day: dt.date, *, language: str | None) -> SafeString:
    """A calendar day (a start date), not a moment: no time zone, "7 Dec 2019"."""
    f = formats(language or get_language() or "en")
    noon = dt.datetime(day.year, day.month, day.day, 12)
    full = escape(f.full_date % _Fields(noon, f.locale))
    short = escape(f.day_month_year % _Fields(noon, f.locale))
    return mark_safe(  # noqa: S308 (escaped above)
        f'<time datetime="{day.isoformat()}" title="{full}">'
        f'<span aria-hidden="true">{short}</span><span class="visually-hidden">{full}</span></time>'
    )
