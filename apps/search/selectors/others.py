"""People, communities and one's own messages found by a search, and the counts of every tab.

People are the directory's own search (accent-blind prefixes, name order, its benchmarks),
given the box's "or" and "-word". Communities and messages compare folded words, as their
own pages' searches do, with the same operators.
Communities are those whose content the viewer may read (`content_visible_to`): someone
merely invited to a private community does not find it, nor its description, by searching."""

import re

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q

from apps.communities.models import Community, State
from apps.core.pagination import decode_cursor, encode_cursor, rows_after
from apps.messaging.models import Message, MessageKind
from apps.profiles import selectors as profile_selectors
from apps.profiles.models import Profile
from apps.profiles.search import tsquery as people_tsquery
from apps.search.query import ParsedQuery
from apps.search.selectors import content
from apps.search.selectors.content import Filters, Page

# A tab's count stops there ("1,000+"): counting every match of a common word in a million
# posts would cost more than the search itself, and nobody reads past it.
COUNT_CAP = 1000


# An e-mail address pasted into the box: the directory stores a person under its part before
# the @ (apps/profiles/search.py), not under the domain, which would also match nobody else.
_EMAIL = re.compile(r"([\w.%+-]+)@[\w-]+(?:\.[\w-]+)+")


def _people_query(parsed: ParsedQuery) -> str | None:
    """The directory's prefix query for the box: its "or" alternatives, without its "-" words."""
    if not parsed.has_positive_words:
        return None
    groups, excluded = ParsedQuery(text=_EMAIL.sub(r"\1", parsed.text)).word_groups()
    wanted = [text for text in (people_tsquery(" ".join(group)) for group in groups) if text]
    if not wanted:
        return None
    text = " | ".join(f"({part})" for part in wanted)
    for words in excluded:
        unwanted = people_tsquery(words)
        if unwanted:
            text = f"({text}) & !({unwanted})"
    return text


def people(*, viewer, parsed: ParsedQuery, cursor: str | None = None, limit: int = content.PAGE_SIZE) -> Page:
    text = _people_query(parsed)
    if not text:
        return Page()
    found = profile_selectors.profile_search(viewer=viewer, raw_query=text, cursor=cursor, limit=limit)
    return Page(found.items, found.next_cursor)


def _people(viewer, parsed: ParsedQuery):
    text = _people_query(parsed)
    if not text:
        return None
    wanted = SearchQuery(text, search_type="raw", config="simple")
    return Profile.objects.visible_to(viewer).active().filter(search_vector=wanted)


def _containing(rows, parsed: ParsedQuery, field: str):
    """Rows whose folded `field` holds the words asked for (substring search): every word of
    one of the "or" alternatives, and none of the "-" words. None when nothing is asked."""
    groups, excluded = parsed.word_groups() if parsed.has_positive_words else ([], [])
    if not groups:
        return None
    wanted = Q()
    for group in groups:
        alternative = Q()
        for word in group:
            alternative &= Q(**{f"{field}__contains": word})
        wanted |= alternative
    rows = rows.filter(wanted)
    for word in excluded:
        rows = rows.exclude(**{f"{field}__contains": word})
    return rows


def _communities(viewer, parsed: ParsedQuery):
    return _containing(Community.objects.content_visible_to(viewer), parsed, "search_text")


def communities(*, viewer, parsed: ParsedQuery, cursor: str | None = None, limit: int = content.PAGE_SIZE) -> Page:
    rows = _communities(viewer, parsed)
    if rows is None:
        return Page()
    rows = rows.annotate(member_count=Count("memberships", filter=Q(memberships__state=State.ACTIVE), distinct=True))
    after = decode_cursor(cursor, types=(str, int))
    if after:
        rows = rows.filter(rows_after("sort_name", after[0], "id", after[1]))
    found = list(rows.order_by("sort_name", "id")[: limit + 1])
    next_cursor = encode_cursor([found[limit - 1].sort_name, found[limit - 1].id]) if len(found) > limit else None
    return Page(found[:limit], next_cursor)


def _messages(viewer, parsed: ParsedQuery):
    rows = Message.objects.visible_to(viewer).filter(kind=MessageKind.TEXT, deleted_at__isnull=True)
    return _containing(rows, parsed, "search_text")


def messages(*, viewer, parsed: ParsedQuery, before: int | None = None, limit: int = content.PAGE_SIZE) -> Page:
    """The viewer's own conversations' messages, while they take part in them (the messages
    app's `visible_to`), newest first."""
    rows = _messages(viewer, parsed)
    if rows is None:
        return Page()
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(rows.select_related("sender__profile", "conversation").order_by("-id")[: limit + 1])
    return Page(found[:limit], str(found[limit - 1].pk) if len(found) > limit else None)


def tab_counts(*, viewer, parsed: ParsedQuery, filters: Filters, as_of) -> dict[str, int]:
    """Each tab's number of results, up to COUNT_CAP + 1, in one statement: each count is
    a subquery over the same `visible_to` querysets the tabs list, so a count never counts
    what its tab would not show."""
    people_rows = _people(viewer, parsed) if not filters.has_constraints else None
    community_rows = _communities(viewer, parsed) if not filters.has_constraints else None
    message_rows = _messages(viewer, parsed) if not filters.has_constraints else None
    # The kinds the page's lists have counted already, walking their ranking windows: the
    # window holds every match up to COUNT_CAP + 1 when it is at least that large.
    counted = filters.counted if content.RANK_WINDOW >= COUNT_CAP else {}
    querysets = {
        "posts": None if "posts" in counted else content._posts(viewer, parsed, filters, as_of),
        "comments": None if "comments" in counted else content._comments(viewer, parsed, filters, as_of),
        "people": people_rows,
        "communities": community_rows,
        "files": None if "files" in counted else content._files(viewer, parsed, filters, as_of),
        "messages": message_rows,
    }
    parts, params, names = [], [], []
    for name, rows in querysets.items():
        if rows is None:
            continue
        try:
            # No order: a model's default one (files by position) sorted every match to count them.
            statement, values = rows.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (an author nobody may find)
            continue
        # The statements are Django's own compilation of the querysets; values are parameters.
        parts.append(f"(SELECT count(*) FROM ({statement}) AS {name})")  # noqa: S608
        params.extend(values)
        names.append(name)
    counts = dict.fromkeys(querysets, 0)
    counts.update({name: min(number, COUNT_CAP + 1) for name, number in counted.items()})
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            counts.update(zip(names, cursor.fetchone(), strict=True))
    counts["posts_and_comments"] = min(counts.pop("posts") + counts.pop("comments"), COUNT_CAP + 1)
    return counts
