"""How fast search answers over the feed benchmark's organisation (10,000 people, 500
communities, 1,000,000 posts with 1.5 comments each; FEED_BENCH_POSTS or SEARCH_BENCH_POSTS
for another size) plus SEARCH_BENCH_FILES (50,000) attached documents with text.

(a) the whole results page (counts of every tab, the posts and comments, files, people,
communities) for a member of about ten communities and for a site administrator: rare
terms, common terms, a phrase, a filtered query, the newest first, the files tab; (b) the
selector of posts alone against a hand-written SQL floor for the same page; (c) the top
bar's suggestions; (d) what indexing adds to publishing a post (its documents computed).
`make bench` prints the figures and the ratio to the floor; goals are printed, not asserted
(timings depend on the machine), except the constant query count."""

import dataclasses
import os
import random
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.communities.models import Community, Membership
from apps.feeds.models import Attachment, Post
from apps.search.models import Extraction, FileText
from apps.search.query import parse
from apps.search.selectors import content
from apps.search.sql import TSQUERY
from tests.benchmarks import kept
from tests.benchmarks.test_feed_benchmark import _met, _percentile, _row, _timed

# Four hours: the whole seeding (SEARCH_BENCH_POSTS=10000000 takes more than one) counts as setup.
pytestmark = [pytest.mark.benchmark, pytest.mark.django_db, pytest.mark.timeout(4 * 3600)]

FILES = int(os.environ.get("SEARCH_BENCH_FILES") or 50_000)
REPEATS = int(os.environ.get("SEARCH_BENCH_REPEATS") or 5)
RARE_WORD = "quetzalcoatlus"  # written in RARE_POSTS posts only
RARE_POSTS = 30
FILE_WORDS = [
    "budget", "prévisionnel", "réunion", "équipe", "projet", "livraison", "contrat", "fournisseur", "client",
    "facture", "roadmap", "quarterly", "revenue", "forecast", "hiring", "onboarding", "sécurité", "conformité",
    "audit", "planning", "migration", "serveur", "réseau", "données", "analyse", "rapport", "synthèse",
]  # fmt: skip
GOALS = {"full search p95 ms": 100.0, "suggestions p95 ms": 30.0, "indexing per publish ms": 5.0}

# The page's first posts, sorted by relevance, written by hand: the newest RANK_WINDOW
# matches the viewer may read, ranked (what content.post_hits asks for, without its extras).
FLOOR_SQL = f"""
WITH recent AS (
  SELECT p.id, p.search_document FROM feeds_post p
  WHERE p.deleted_at IS NULL AND p.search_document @@ {TSQUERY}
    AND (p.community_id IS NULL OR p.community_id = ANY(%s))
  ORDER BY p.created_at DESC, p.id DESC LIMIT {content.RANK_WINDOW}
)
SELECT id FROM recent ORDER BY ts_rank_cd(search_document, {TSQUERY}) DESC, id DESC LIMIT 21
"""  # noqa: S608 - constants of the code; values are parameters


@pytest.fixture(scope="module")
def search_org(feed_org, django_db_blocker):
    """The feed benchmark's organisation, plus rare posts and documents with their text."""
    rng = random.Random(7)  # noqa: S311 - made-up data, the same on every run
    key = f"search_org files={FILES} rare={RARE_POSTS} {dataclasses.asdict(feed_org.options)}"
    with django_db_blocker.unblock():
        if not kept.recall(key):
            _add_rare_posts_and_documents(rng)
            kept.remember(key, {"files": FILES})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT search_document FROM feeds_post WHERE id % 50 = 0') "
                "WHERE length(word) > 3 AND word <> '§' ORDER BY ndoc DESC LIMIT 1 OFFSET 5"
            )
            common = cursor.fetchone()[0]
            # The same post on every run: a phrase's cost depends on how common its words are.
            cursor.execute("SELECT body FROM feeds_post WHERE kind = 'post' AND deleted_at IS NULL ORDER BY id LIMIT 1")
            body = cursor.fetchone()[0]
    # Its first two long words: without the short word between them in the post ("Bonjour à
    # tous"), a phrase of common words that no post holds, the index's worst case; and its
    # first three words as written, a phrase that many posts hold.
    words = [word for word in body.split() if word.isalpha() and len(word) > 3]
    return {
        "common": common,
        "phrase": f'"{words[0]} {words[1]}"',
        "written": '"' + " ".join(body.split()[:3]) + '"',
        "organisation": feed_org,
    }


def _add_rare_posts_and_documents(rng: random.Random) -> None:
    """Rare posts, and documents with text attached to random posts, committed."""
    started = time.perf_counter()
    post_ids = list(Post.objects.filter(deleted_at__isnull=True).values_list("id", flat=True))
    for post_id in rng.sample(post_ids, RARE_POSTS):
        Post.objects.filter(pk=post_id).update(body=f"Notes on the {RARE_WORD} fossil, with the team")
    chosen = rng.choices(post_ids, k=FILES)
    batch = 5_000
    for start in range(0, FILES, batch):
        rows = [
            Attachment(
                post_id=post_id,
                name=f"{rng.choice(FILE_WORDS)}-{start + i}.pdf",
                content_type="application/pdf",
                size=1000,
                file=f"bench/{start + i}.pdf",
            )
            for i, post_id in enumerate(chosen[start : start + batch])
        ]
        made = Attachment.objects.bulk_create(rows)
        FileText.objects.bulk_create(
            FileText(attachment=row, status=Extraction.OK, text=" ".join(rng.choice(FILE_WORDS) for _ in range(150)))
            for row in made
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feeds_post, feeds_comment, feeds_attachment, search_filetext, feeds_polloption")
    print(f"\nSearch data: {RARE_POSTS} rare posts and {FILES:,} documents in {time.perf_counter() - started:.0f} s")


def _viewers(feed_org):
    User = get_user_model()
    member_id = min(feed_org.profile, key=lambda pk: abs(feed_org.profile[pk][1] - 10))
    return {"member": User.objects.get(pk=member_id), "admin": User.objects.get(pk=feed_org.result.admin_id)}


def _readable_ids(viewer) -> list[int]:
    return list(Community.objects.content_visible_to(viewer).values_list("pk", flat=True))


def test_search_page_suggestions_and_floor(search_org, django_db_blocker):
    viewers = _viewers(search_org["organisation"])
    common = search_org["common"]
    community = Membership.objects.filter(user=viewers["member"], state="active").values_list(
        "community__slug", flat=True
    )[0]
    searches = {
        "rare term": {"q": RARE_WORD},
        "common term": {"q": common},
        "two common words": {"q": f"{common} team"},
        "phrase, common words, no match": {"q": search_org["phrase"]},
        "phrase as written": {"q": search_org["written"]},
        "phrase, a rare word": {"q": f'"{RARE_WORD} fossil"'},
        "filtered (community, kind)": {"q": common, "community": community, "kind": "question"},
        "newest first": {"q": common, "sort": "newest"},
        "files tab": {"q": "budget", "tab": "files"},
        "posts tab, common": {"q": common, "tab": "posts"},
    }
    timings: dict[str, list[float]] = {}
    queries: dict[str, set[int]] = {}
    for role, viewer in viewers.items():
        client = Client()
        client.force_login(viewer)
        readable = _readable_ids(viewer)
        for _warm in range(2):
            for data in searches.values():
                assert client.get("/search/", data).status_code == 200
        for repeat in range(REPEATS):
            for label, data in searches.items():
                with CaptureQueriesContext(connection) as captured:
                    took, response = _timed(lambda client=client, data=data: client.get("/search/", data))
                assert response.status_code == 200
                timings.setdefault(f"{role}: page, {label}", []).append(took)
                if repeat == 0:
                    queries.setdefault("page", set()).add(len(captured.captured_queries))
            for label, text in (("rare term", RARE_WORD), ("common term", common)):
                fresh = get_user_model().objects.get(pk=viewer.pk)
                parsed = parse(text)

                def selector(fresh=fresh, parsed=parsed):
                    # As the page does: the filters resolved, which says how common the words are.
                    filters = content.resolve_filters(viewer=fresh, parsed=parsed, filters=content.Filters())
                    return content.post_hits(viewer=fresh, parsed=parsed, filters=filters, as_of=timezone.now())

                took, _hits = _timed(selector)
                timings.setdefault(f"{role}: selector post_hits, {label}", []).append(took)

                def floor(text=text, readable=readable):
                    with connection.cursor() as cursor:
                        cursor.execute(FLOOR_SQL, [text, readable, text])
                        return cursor.fetchall()

                took, _rows = _timed(floor)
                timings.setdefault(f"{role}: floor SQL, {label}", []).append(took)
            for prefix in ("ma", "lef", "jea", "eng", "proj"):
                took, response = _timed(
                    lambda client=client, prefix=prefix: client.get("/search/suggest/", {"q": prefix})
                )
                assert response.status_code == 200
                timings.setdefault(f"{role}: suggestions", []).append(took)

    organisation = search_org["organisation"].options
    print(
        f"\nSearch over {organisation.posts:,} posts (~{int(organisation.posts * organisation.comments):,} comments), "
        f"{organisation.users:,} people, {organisation.communities} communities, {FILES:,} documents; "
        f"common term {common!r}; {REPEATS} runs each, in-process (Django test client), milliseconds"
    )
    print(f"  {'':<44}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    for label, values in timings.items():
        print(_row(label, values))
    page_p95 = max(_percentile(v, 0.95) for k, v in timings.items() if ": page," in k)
    suggest_p95 = max(_percentile(v, 0.95) for k, v in timings.items() if k.endswith("suggestions"))
    for role in viewers:
        for label in ("rare term", "common term"):
            ours = _percentile(timings[f"{role}: selector post_hits, {label}"], 0.5)
            floor = _percentile(timings[f"{role}: floor SQL, {label}"], 0.5)
            print(f"  {role}, {label}: selector / floor (p50) = {ours / floor:.2f}")
    print(f"  full search p95 (worst search)  {page_p95:.1f} ms, goal ≤ {GOALS['full search p95 ms']:.0f}: "
          f"{_met(page_p95 <= GOALS['full search p95 ms'])}")  # fmt: skip
    print(f"  suggestions p95                 {suggest_p95:.1f} ms, goal ≤ {GOALS['suggestions p95 ms']:.0f}: "
          f"{_met(suggest_p95 <= GOALS['suggestions p95 ms'])}")  # fmt: skip
    print(f"  queries per results page: {sorted(queries['page'])}")


def test_what_indexing_adds_to_publishing(search_org):
    """The search documents a new post's rows carry, computed by PostgreSQL in the INSERT: the
    time of computing them for real bodies (post, poll options), which is what indexing adds.
    The document, and its word pairs for the pairs' index (migration 0004)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM feeds_post WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 200")
        bodies = [row[0] for row in cursor.fetchall()]
        took = []
        for body in bodies:
            started = time.perf_counter()
            cursor.execute("SELECT search_pairs(search_document(%s)) IS NOT NULL", [body])
            cursor.fetchone()
            took.append((time.perf_counter() - started) * 1000)
    p95 = _percentile(took, 0.95)
    goal = GOALS["indexing per publish ms"]
    print(
        f"\nIndexing a post's text (search_document and its word pairs, one round trip included): "
        f"p50 {_percentile(took, 0.5):.2f} ms, p95 {p95:.2f} ms, goal ≤ {goal:.0f}: {_met(p95 <= goal)}"
    )
