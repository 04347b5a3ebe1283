"""How fast the directory answers over 100,000 employees: the selector, then the view.

`make bench` prints the figures. The goal (issue 17): p95 at most 50 ms for every kind of
query, in the search function alone, including one letter and the most common words."""

import math
import random
import time
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.core.text import fold, search_terms
from apps.profiles.selectors import profile_search

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db, pytest.mark.timeout(900)]

SEARCHES_PER_KIND = 38
WARM_UP = 10
P95_GOAL_MS = 50
VIEW_REQUESTS = 30
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Names written with inner punctuation, typed with it, without it, or with a space instead.
PUNCTUATED = [
    "obrien", "o'brien", "o\u2019brien", "o brien", "oconnor", "o'connor", "saint-exupery", "saintexupery",
    "saint exupery", "muller-ludenscheidt", "mullerludenscheidt", "jean-baptiste", "jeanbaptiste", "pierre yves",
    "marie-helene", "anne sophie", "le goff", "legoff", "van der berg", "vanderberg", "mcdonald", "vue.js", "ci/cd",
]  # fmt: skip
NO_MATCH = ["zzqx", "xylophone", "qwertyuiop", "kowalski", "bonjour", "12345678", "jean-pierre", "q", "zzz", "wxyz"]
COMMON_WORDS = 20
# The words most people's search text holds (numbers aside: e-mail addresses end with one).
COMMON_WORDS_SQL = """
SELECT word FROM ts_stat('SELECT search_vector FROM profiles_profile')
WHERE word !~ '^[0-9]+$' ORDER BY ndoc DESC, word LIMIT %s
"""


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _prefix(rng: random.Random, words: list[str]) -> str:
    term = search_terms(rng.choice(words))[0]
    return term[: rng.randint(2, 6)]


def _cases(rng: random.Random, company, common: list[str]) -> list[tuple[str, dict]]:
    """(kind, profile_search arguments) in a shuffled, realistic mix."""
    names = company.first_names + company.last_names
    words = names + company.titles + company.departments + company.offices
    makers = {
        "one letter": lambda: {"query": rng.choice(LETTERS)},
        "two letters": lambda: {"query": search_terms(rng.choice(words))[0][:2]},
        "name prefix (2-6 letters)": lambda: {"query": _prefix(rng, names)},
        "common word": lambda: {"query": rng.choice(common)},
        "two common words": lambda: {"query": " ".join(rng.sample(common, 2))},
        "full name, no accents": lambda: {"query": fold(" ".join(rng.choice(company.full_names)))},
        "punctuated name": lambda: {"query": rng.choice(PUNCTUATED)},
        "job title": lambda: {
            "query": fold(rng.choice(company.titles))
            if rng.random() < 0.6
            else max(search_terms(rng.choice(company.titles)), key=len)
        },
        "skill": lambda: {"query": fold(rng.choice(company.skills))},
        "no match": lambda: {"query": rng.choice(NO_MATCH) if rng.random() < 0.5 else f"{rng.choice(common)} zzqx"},
        "department + query": lambda: {
            "department": rng.choice(company.departments),
            "query": rng.choice(
                [_prefix(rng, company.last_names), fold(rng.choice(company.titles)), rng.choice(LETTERS)]
            ),
        },
        "office filter only": lambda: {"location": rng.choice(company.offices)},
        "no query (first page)": dict,
        "second page (cursor)": lambda: rng.choice(
            [
                {},
                {"query": _prefix(rng, names)[:3]},
                {"query": rng.choice(LETTERS[:20])},
                {"query": rng.choice(common)},
                {"department": rng.choice(company.departments)},
                {"location": rng.choice(company.offices)},
            ]
        ),
    }
    cases = [(kind, make()) for kind, make in makers.items() for _ in range(SEARCHES_PER_KIND)]
    rng.shuffle(cases)
    return cases


def _materialise(page) -> int:
    # What the results template reads: names, titles, skills (prefetched).
    for profile in page.items:
        _ = (profile.name, profile.initials, profile.job_title, [skill.name for skill in profile.skills.all()])
    return len(page.items)


def _search(viewer, kind: str, arguments: dict) -> tuple[float, int]:
    if kind == "second page (cursor)":
        first = profile_search(viewer=viewer, **arguments)
        if first.next_cursor:  # "q" or "x" may fit on one page
            arguments = {**arguments, "cursor": first.next_cursor}
    started = time.perf_counter()
    page = profile_search(viewer=viewer, **arguments)
    hits = _materialise(page)
    return (time.perf_counter() - started) * 1000, hits


def _row(label: str, values: list[float], extra: str = "") -> str:
    return (
        f"  {label:<28}{len(values):>5}{_percentile(values, 0.5):>9.1f}{_percentile(values, 0.95):>9.1f}"
        f"{max(values):>9.1f}{extra}"
    )


def test_directory_search_over_100k_employees(company):
    viewer = get_user_model().objects.get(pk=company.viewer_id)
    rng = random.Random(42)  # noqa: S311 - reproducible test data, not secrets
    with connection.cursor() as cursor:
        cursor.execute(COMMON_WORDS_SQL, [COMMON_WORDS])
        common = [word for (word,) in cursor.fetchall()]
    cases = _cases(rng, company, common)

    for kind, arguments in cases[:WARM_UP]:  # connection, caches, the first plans
        _search(viewer, kind, arguments)
    with CaptureQueriesContext(connection) as queries:
        profile_search(viewer=viewer, query="dur")
    queries_per_search = len(queries.captured_queries)

    timings, hits, slowest = defaultdict(list), defaultdict(list), []
    for kind, arguments in cases:
        took, found = _search(viewer, kind, arguments)
        timings[kind].append(took)
        hits[kind].append(found)
        slowest.append((took, kind, arguments))
    every = [took for values in timings.values() for took in values]

    print(
        f"\nDirectory search, profile_search() over {company.employees:,} employees "
        f"({len(every)} searches, {queries_per_search} queries each, seeded in {company.seconds:.1f} s)"
    )
    print(f"  {'kind':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  hits/page  empty")
    for kind, values in timings.items():
        empty = sum(1 for found in hits[kind] if found == 0)
        print(_row(kind, values, f"{sum(hits[kind]) / len(hits[kind]):>11.1f}{empty:>7}"))
    print(_row("all", every))
    print(f"  the {COMMON_WORDS} most common words: {', '.join(common)}")
    print("  slowest:")
    for took, kind, arguments in sorted(slowest, key=lambda row: row[0], reverse=True)[:8]:
        print(f"    {took:7.1f} ms  {kind}: {arguments}")

    over = {kind: _percentile(values, 0.95) for kind, values in timings.items()}
    over = {kind: p95 for kind, p95 in over.items() if p95 > P95_GOAL_MS}
    assert not over, f"p95 over {P95_GOAL_MS} ms: " + ", ".join(f"{k} {v:.1f} ms" for k, v in over.items())


def test_directory_view_over_100k_employees(company):
    viewer = get_user_model().objects.get(pk=company.viewer_id)
    client = Client()
    client.force_login(viewer)
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not secrets
    names = company.first_names + company.last_names
    queries = [
        *(_prefix(rng, names) for _ in range(VIEW_REQUESTS // 3)),
        *(fold(" ".join(rng.choice(company.full_names))) for _ in range(VIEW_REQUESTS // 3)),
        *(fold(rng.choice(company.skills)) for _ in range(VIEW_REQUESTS // 3)),
    ]
    rng.shuffle(queries)

    def get(query: str, *, htmx: bool = False) -> float:
        started = time.perf_counter()
        response = client.get("/people/", {"q": query}, headers={"HX-Request": "true"} if htmx else {})
        took = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        return took

    for query in queries[:3]:  # warm-up: templates, sessions
        get(query)
        get(query, htmx=True)
    full_page = [get(query) for query in queries]
    htmx = [get(query, htmx=True) for query in queries]
    first_page = [get("") for _ in range(10)]

    print(f"\nDirectory view, Django test client, {company.employees:,} employees")
    print(f"  {'request':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    print(_row("/people/?q= (full page)", full_page))
    print(_row("/people/?q= (htmx results)", htmx))
    print(_row("/people/ (no query)", first_page))
