"""The results page (/search/) and the top bar's suggestions. Thin: the form reads the
address, the selectors search, the templates show."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.communities import selectors as community_selectors
from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.search import snippets
from apps.search.forms import SearchForm
from apps.search.query import ParsedQuery, parse
from apps.search.selectors import content, others
from apps.search.selectors.content import Filters, Page
from apps.search.selectors.suggest import suggestions

SUGGEST_MIN = 2  # characters typed before anything is suggested
ALL_TAB_EACH = 3  # people, communities and files shown on the "All" tab
ALL_TAB_POSTS = 10


def _as_of(raw: str | None) -> datetime:
    """The moment the scores are computed for: the first page's, carried by the next pages
    (`at`) so that a result's score, and so the order, is the same on every page."""
    # Whole seconds, as `at` carries it: the next pages must score exactly as the first did,
    # or rows tied with the cursor's would be skipped.
    now = timezone.now().replace(microsecond=0)
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC) if raw else now
    except (ValueError, OverflowError, OSError):
        return now


def _filters(form: SearchForm, parsed: ParsedQuery) -> Filters:
    data = form.cleaned_data
    if data.get("author"):
        parsed.authors.append(data["author"].lower())
    if data.get("community"):
        parsed.communities.append(data["community"].lower())
    start, end = form.date_range()
    return Filters(
        date_from=start,
        date_to=end,
        kinds=[data["kind"]] if data.get("kind") else [],
        has_files=bool(data.get("files")),
        sort=data.get("sort") or content.RELEVANCE,
    )


def _results(request, tab: str, parsed: ParsedQuery, filters: Filters, as_of, cursor: str | None) -> dict:
    viewer = request.user
    terms = parsed.positive_terms()
    found: dict = {}
    if tab in ("all", "posts"):
        size = ALL_TAB_POSTS if tab == "all" else content.PAGE_SIZE
        page = content.posts_and_comments(
            viewer=viewer, parsed=parsed, filters=filters, as_of=as_of, cursor=cursor, limit=size
        )
        found["posts"] = _with_snippets(page, terms)
    if tab in ("all", "files"):
        size = ALL_TAB_EACH if tab == "all" else content.PAGE_SIZE
        page = content.file_hits(viewer=viewer, parsed=parsed, filters=filters, as_of=as_of, cursor=cursor, limit=size)
        found["files"] = _with_snippets(page, terms)
    if not filters.has_constraints:
        size = ALL_TAB_EACH if tab == "all" else content.PAGE_SIZE
        if tab in ("all", "people"):
            found["people"] = others.people(viewer=viewer, parsed=parsed, cursor=cursor, limit=size)
        if tab in ("all", "communities"):
            found["communities"] = others.communities(viewer=viewer, parsed=parsed, cursor=cursor, limit=size)
        if tab == "messages":
            before = int(cursor) if cursor and cursor.isascii() and cursor.isdigit() and len(cursor) < 19 else None
            page = others.messages(viewer=viewer, parsed=parsed, before=before)
            for message in page.items:
                message.snippet = snippets.snippet(message.body, terms)
            found["messages"] = page
    return found


def _with_snippets(page: Page, terms: list[str]) -> Page:
    for hit in page.items:
        hit.snippet = snippets.snippet(hit.text, terms)
    return page


@require_GET
def index(request):
    form = SearchForm(request.GET)
    context = {"form": form, "tab": "all", "counts": {}, "found": {}, "asked": False}
    if not form.is_valid():
        return vary_on_htmx(render(request, "search/index.html", context))
    data = form.cleaned_data
    parsed = parse(data["q"])
    filters = _filters(form, parsed)
    tab = data.get("tab") or "all"
    as_of = _as_of(request.GET.get("at"))
    context.update(tab=tab, query=data["q"], parsed=parsed, filters=filters)
    if parsed.is_empty:
        return vary_on_htmx(render(request, "search/index.html", context))
    filters = content.resolve_filters(viewer=request.user, parsed=parsed, filters=filters)
    cursor = data.get("cursor") or None
    found = _results(request, tab, parsed, filters, as_of, cursor)
    base = {key: value for key, value in request.GET.items() if key not in ("cursor", "at", "tab") and value}
    base["at"] = str(int(as_of.timestamp()))
    context.update(
        asked=True,
        found=found,
        page=found.get(tab) if tab != "all" else None,
        base_query=urlencode(base),
        next_query=_next_query(base, tab, found),
    )
    if cursor and wants_fragment(request):
        return vary_on_htmx(render(request, "search/_more.html", context))
    counts = others.tab_counts(viewer=request.user, parsed=parsed, filters=filters, as_of=as_of)
    context.update(counts=counts, tabs=_tabs(counts), count_cap=others.COUNT_CAP)
    if _ranked_in_a_window(tab, parsed, filters, counts):
        newest = {**base, "sort": content.NEWEST, **({"tab": tab} if tab != "all" else {})}
        context.update(rank_window=content.RANK_WINDOW, newest_query=urlencode(newest))
    context["my_communities"] = community_selectors.my_memberships(viewer=request.user)
    return vary_on_htmx(render(request, "search/index.html", context))


def _ranked_in_a_window(tab: str, parsed: ParsedQuery, filters: Filters, counts: dict) -> bool:
    """Whether the page should say that only the newest matches were ranked (content.RANK_WINDOW)."""
    if filters.sort != content.RELEVANCE or not parsed.has_positive_words or tab not in ("all", "posts", "files"):
        return False
    many = counts["files"] if tab == "files" else max(counts["posts_and_comments"], counts["files"])
    return many > content.RANK_WINDOW


def _tabs(counts: dict) -> list[tuple[str, str, int | None]]:
    return [
        ("all", _("All"), None),
        ("posts", _("Posts and comments"), counts["posts_and_comments"]),
        ("people", _("People"), counts["people"]),
        ("communities", _("Communities"), counts["communities"]),
        ("files", _("Files"), counts["files"]),
        ("messages", _("My messages"), counts["messages"]),
    ]


def _next_query(base: dict, tab: str, found: dict) -> str:
    page = found.get(tab)
    if page is None or not page.next_cursor:
        return ""
    return urlencode({**base, "tab": tab, "cursor": page.next_cursor})


@require_GET
def suggest(request):
    """The top bar's suggestions as one types: people, communities and hashtags."""
    # At most five words of at most 100 characters: each word is a filter.
    # NUL is no character PostgreSQL stores: a box cannot contain it (the page's form refuses it).
    query = " ".join(request.GET.get("q", "")[:100].replace("\x00", "").split()[:5])
    if len(query) < SUGGEST_MIN:
        return render(request, "search/_suggest.html", {"query": query})
    found = suggestions(viewer=request.user, query=query)
    return render(request, "search/_suggest.html", {"query": query, "asked": True, **found})
