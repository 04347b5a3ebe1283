"""apps/core/when.py: one way to show when, in the viewer's language and time zone."""

import datetime as dt
import re
import time

import pytest
from django.template import engines
from django.utils import timezone, translation

from apps.core.when import absolute, iso_utc, refresh_relative, relative, when_html, when_text

UTC = dt.UTC
PARIS = "Europe/Paris"
# Monday 7 December 2026, 15:03 UTC (16:03 in Paris).
NOW = dt.datetime(2026, 12, 7, 15, 3, tzinfo=UTC)


def ago(**delta):
    return NOW - dt.timedelta(**delta)


BUCKETS = [
    # (moment, English, French)
    (ago(seconds=20), "now", "à l'instant"),
    (NOW + dt.timedelta(seconds=30), "now", "à l'instant"),  # a clock a little ahead
    (ago(minutes=5), "5 min", "5 min"),
    (ago(minutes=59, seconds=59), "59 min", "59 min"),
    (ago(hours=3), "3 h", "3 h"),
    (ago(hours=15), "15 h", "15 h"),  # 01:03 in Paris, the same day
    (ago(hours=17), "yesterday", "hier"),  # 23:03 the day before in Paris
    (ago(days=3), "Friday", "vendredi"),
    (ago(days=6), "Tuesday", "mardi"),
    (ago(days=7), "30 Nov", "30 nov."),
    (ago(days=300), "10 Feb", "10 févr."),
    (ago(days=400), "2 Nov 2025", "2 nov. 2025"),
    (NOW + dt.timedelta(days=3), "10 Dec", "10 déc."),  # ahead: a date, never "ago"
]


@pytest.mark.parametrize(("moment", "english", "french"), BUCKETS)
def test_each_bucket_in_english_and_french(moment, english, french):
    assert relative(moment, now=NOW, language="en", tz=PARIS) == english
    assert relative(moment, now=NOW, language="fr", tz=PARIS) == french


def test_the_absolute_date_is_in_the_viewer_s_language_and_zone():
    assert absolute(NOW, language="en", tz=PARIS) == "Monday, 7 December 2026, 16:03"
    assert absolute(NOW, language="fr", tz=PARIS) == "lundi 7 décembre 2026, 16:03"
    assert absolute(NOW, language="en", tz="America/New_York") == "Monday, 7 December 2026, 10:03"
    assert absolute(NOW, language="en", tz="Asia/Tokyo") == "Tuesday, 8 December 2026, 00:03"


def test_yesterday_is_a_calendar_day_in_the_viewer_s_zone():
    # 23:30 UTC on the 6th, seen at 15:03 UTC on the 7th.
    moment = dt.datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert relative(moment, now=NOW, language="en", tz="UTC") == "yesterday"
    assert relative(moment, now=NOW, language="en", tz=PARIS) == "15 h"  # 00:30 on the 7th in Paris
    # Just after midnight in Paris, something from 23:50 the evening before.
    now = dt.datetime(2026, 12, 7, 23, 10, tzinfo=UTC)  # 00:10 on the 8th in Paris
    before = dt.datetime(2026, 12, 7, 22, 50, tzinfo=UTC)  # 23:50 on the 7th in Paris
    assert relative(before, now=now, language="en", tz="UTC") == "20 min"
    earlier = dt.datetime(2026, 12, 7, 21, 50, tzinfo=UTC)  # 22:50 on the 7th in Paris, 80 min before
    assert relative(earlier, now=now, language="en", tz=PARIS) == "yesterday"
    assert relative(earlier, now=now, language="en", tz="UTC") == "1 h"
    # Tokyo's day is already the 8th at 15:03 UTC: the 7th's morning there is yesterday.
    assert relative(ago(hours=9), now=NOW, language="en", tz="Asia/Tokyo") == "yesterday"


def test_daylight_saving_time():
    # Paris leaves summer time on 25 October 2026 at 03:00 (01:00 UTC).
    before = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    after = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert absolute(before, language="en", tz=PARIS) == "Sunday, 25 October 2026, 02:30"
    assert absolute(after, language="en", tz=PARIS) == "Sunday, 25 October 2026, 02:30"
    # An hour apart, though the clock says the same time.
    assert relative(before, now=after, language="en", tz=PARIS) == "1 h"
    # Spring: 29 March 2026, 02:00 CET becomes 03:00 CEST; 23 hours make the whole day.
    morning = dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    evening = dt.datetime(2026, 3, 29, 21, 45, tzinfo=UTC)  # 23:45 CEST
    assert relative(morning, now=evening, language="fr", tz=PARIS) == "21 h"
    assert relative(morning, now=evening + dt.timedelta(minutes=30), language="fr", tz=PARIS) == "hier"


def test_the_html_has_the_utc_moment_the_full_date_and_the_short_text():
    html = when_html(ago(minutes=5, seconds=30), now=NOW, language="en", tz=PARIS)
    assert html.startswith('<time datetime="2026-12-07T14:57:30Z" title="Monday, 7 December 2026, 15:57" data-when>')
    assert '<span aria-hidden="true">5 min</span>' in html
    # A screen reader reads the full date, not "5 min".
    assert '<span class="visually-hidden">Monday, 7 December 2026, 15:57</span>' in html


def test_nothing_for_no_value():
    assert when_html(None) == ""
    assert when_text(None) == ""
    assert iso_utc("") == ""


def test_a_calendar_day_is_not_moved_by_a_time_zone():
    html = when_html(dt.date(2019, 3, 4), language="fr")
    assert html == (
        '<time datetime="2019-03-04" title="lundi 4 mars 2019">'
        '<span aria-hidden="true">4 mars 2019</span><span class="visually-hidden">lundi 4 mars 2019</span></time>'
    )


def test_the_current_language_and_zone_are_the_defaults():
    with translation.override("fr"), timezone.override("America/New_York"):
        assert when_text(NOW) == "lundi 7 décembre 2026, 10:03"
        assert '<span aria-hidden="true">' in when_html(NOW)


def test_the_template_tag_and_the_jinja_global():
    django = engines["django"].from_string('{% load when %}{% when value %}|{% when value "absolute" %}')
    jinja = engines["jinja2"].from_string("{{ when(value) }}")
    with translation.override("en"), timezone.override(PARIS):
        rendered = django.render({"value": ago(days=400)})
        html, text = rendered.split("|")
        assert html.startswith("<time ") and ">2 Nov 2025</span>" in html
        assert text == "Sunday, 2 November 2025, 16:03"
        assert jinja.render({"value": ago(days=400)}) == html


def test_it_is_cheap():
    """A feed page shows about sixty dates."""
    moments = [ago(minutes=37 * i) for i in range(60)]
    with translation.override("fr"), timezone.override(PARIS):
        when_html(NOW)
        start = time.perf_counter()
        for moment in moments:
            when_html(moment, now=NOW)
        elapsed = time.perf_counter() - start
    assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms for 60 dates"
    assert all(re.match(r"<time datetime=", when_html(m, now=NOW)) for m in moments[:3])


def test_html_rendered_earlier_gets_its_relative_texts_refreshed():
    """Feed cards are cached by content, language and zone, not by time: served three hours
    later, a card's "5 min" must say "3 h" (apps/feeds/cards.py refreshes them)."""
    moment = ago(hours=3, minutes=5)
    cached = "<article>" + when_html(moment, now=ago(hours=3), language="en", tz=PARIS) + "</article>"
    assert '<span aria-hidden="true">5 min</span>' in cached
    fresh = refresh_relative(cached, now=NOW, language="en", tz=PARIS)
    assert fresh == cached.replace('<span aria-hidden="true">5 min</span>', '<span aria-hidden="true">3 h</span>')
    assert refresh_relative("<p>no dates</p>", now=NOW) == "<p>no dates</p>"
