"""The posts: their bodies (rendered by the app), the hashtags, the plan of every post (where,
who, what kind, when, how many comments and reactions), then the posts themselves with counters
computed from the rows, the pins and the bookmarks."""

import random
import time

from django.db import connection

from apps.core.text import fold, render_markdown
from apps.demo.scale.load import Load
from apps.demo.scale.words import (
    ANNOUNCEMENTS,
    COMMENTS,
    HASHTAGS,
    POLLS,
    POST_CLOSERS,
    POST_MIDDLES,
    POST_OPENERS,
    PRAISE,
    QUESTIONS,
)
from apps.feeds.models import Badge
from apps.feeds.services.posts import hashtag_url

BODIES_PER_KIND = 400
COMMENT_BODIES = 200


def _rendered(text: str) -> str:
    html = render_markdown(text, hashtag_url=hashtag_url)
    if not (html.startswith("<p>") and html.endswith("</p>")):
        raise ValueError(f"unexpected rendering of {text!r}: {html!r}")
    return html


def _bodies(rng: random.Random) -> list[tuple]:
    """(kind, k, body, html, poll k) rows: BODIES_PER_KIND bodies for each kind, rendered by the app."""
    makers = {
        "post": lambda: (
            " ".join([rng.choice(POST_OPENERS), rng.choice(POST_MIDDLES), rng.choice(POST_CLOSERS)])
            + (f"\n\n{rng.choice(POST_MIDDLES)}" if rng.random() < 0.25 else "")
        ),
        "question": lambda: f"{rng.choice(QUESTIONS)} {rng.choice(POST_CLOSERS)}",
        "praise": lambda: f"{rng.choice(PRAISE)} {rng.choice(POST_CLOSERS)}",
        "announcement": lambda: f"{rng.choice(ANNOUNCEMENTS)} {rng.choice(POST_MIDDLES)}",
    }
    rows = []
    for kind, make in makers.items():
        for k in range(BODIES_PER_KIND):
            body = make()
            rows.append((kind, k, body, _rendered(body), None))
    for k in range(BODIES_PER_KIND):
        poll = k % len(POLLS)
        body = POLLS[poll][0] + ("" if k < len(POLLS) else f" {rng.choice(POST_CLOSERS)}")
        rows.append(("poll", k, body, _rendered(body), poll))
    return rows


HASHTAG_FOLLOWS_SQL = """
INSERT INTO feeds_hashtagfollow (created_at, user_id, hashtag_id)
SELECT DISTINCT ON (user_id, hashtag_id) at, user_id, hashtag_id FROM (
    SELECT %(u1)s + u AS user_id, t.hashtag_id, %(start)s::timestamptz AS at
    FROM generate_series(0, %(n)s - 1) AS u
    CROSS JOIN LATERAL generate_series(1, 1 + floor(3 * pg_temp.seed_r(u, 26))::int) AS k
    JOIN seed_tag t ON t.t = floor(%(ntags)s * power(pg_temp.seed_r(u * 16 + k, 27), 2))::int
    WHERE pg_temp.seed_r(u, 25) < 0.25
) x ORDER BY user_id, hashtag_id
"""

# The plan of every post: where, who, what kind, when, and how many comments and reactions.
# Company-wide announcements are the site administrator's, community ones their owner's; a
# community post's author is one of its active members (picked through a random membership).
POST_PLAN_SQL = """
CREATE TEMPORARY TABLE seed_post AS
SELECT q.*, sum(q.nc) OVER (ORDER BY q.i) - q.nc AS c_off FROM (
    SELECT g.i, %(p1)s + g.i - 1 AS id, g.created_at,
           CASE WHEN g.company THEN NULL ELSE am.community_id END AS community_id,
           CASE WHEN g.company AND g.rk >= 0.998 THEN %(admin)s
                WHEN g.company THEN %(u1)s + floor(%(n)s * power(pg_temp.seed_r(g.i, 32), 1.5))::int
                WHEN g.rk >= 0.985 THEN c.created_by_id
                ELSE am.user_id END AS author_id,
           CASE WHEN g.company AND g.rk >= 0.998 THEN 'announcement'
                WHEN NOT g.company AND g.rk >= 0.985 THEN 'announcement'
                WHEN g.rk < 0.78 THEN 'post'
                WHEN g.rk < 0.86 THEN 'question'
                WHEN g.rk < 0.90 THEN 'poll'
                WHEN g.rk < 0.95 AND (g.company OR cm.n >= 2) THEN 'praise'
                ELSE 'post' END AS kind,
           pg_temp.seed_r(g.i, 35) < 0.005 AS deleted,
           CASE WHEN g.company THEN %(n)s ELSE cm.n END AS pool_n,
           least(floor(-ln(1 - pg_temp.seed_r(g.i, 36)) * (%(mean_c)s + 0.5))::int, 200) AS nc,
           least(floor(-ln(1 - pg_temp.seed_r(g.i, 37)) * (%(mean_r)s + 0.5))::int,
                 CASE WHEN g.company THEN %(n)s ELSE cm.n END, 500) AS nr,
           floor(%(nbodies)s * pg_temp.seed_r(g.i, 40))::int AS body_k,
           g.t1,
           CASE WHEN g.t1 IS NOT NULL AND %(ntags)s > 1 AND pg_temp.seed_r(g.i, 43) < 0.3
                THEN mod(g.t1 + 1 + floor((%(ntags)s - 1) * pg_temp.seed_r(g.i, 44))::int, %(ntags)s) END AS t2
    FROM (
        SELECT i, pg_temp.seed_r(i, 30) < %(company_share)s AS company, pg_temp.seed_r(i, 31) AS rk,
               1 + floor(%(am_n)s * pg_temp.seed_r(i, 33))::int AS am_rn,
               %(start)s::timestamptz + (i - 1 + pg_temp.seed_r(i, 34)) * %(step)s * interval '1 second' AS created_at,
               CASE WHEN pg_temp.seed_r(i, 41) < 0.18
                    THEN floor(%(ntags)s * power(pg_temp.seed_r(i, 42), 2))::int END AS t1
        FROM generate_series(1, %(np)s) AS i
    ) g
    LEFT JOIN seed_am am ON am.rn = g.am_rn
    LEFT JOIN seed_cm cm ON cm.community_id = am.community_id
    LEFT JOIN communities_community c ON c.id = am.community_id
) q
"""

# Counters from the rows inserted above; hashtags appended to the body's last paragraph, the
# way the renderer writes them (checked on a sample against render_body afterwards). No ORDER BY:
# seed_post, read in order, probes hash tables of the others, so rows go in in id (= time) order
# as they would in real life, without sorting a million wide rows.
POSTS_SQL = """
INSERT INTO feeds_post (id, created_at, updated_at, kind, body, body_html, badge, poll_multiple, poll_closes_at,
                        pinned_at, edited_at, deleted_at, comment_count, reaction_counts, author_id, best_answer_id,
                        community_id, deleted_by_id, shared_post_id)
SELECT p.id, p.created_at, p.created_at, p.kind,
       b.body || coalesce(' #' || t1.written, '') || coalesce(' #' || t2.written, ''),
       CASE WHEN t1.t IS NULL THEN b.html
            ELSE left(b.html, -4) || ' ' || t1.html || coalesce(' ' || t2.html, '') || '</p>' END,
       CASE WHEN p.kind = 'praise' THEN (%(badges)s::text[])[1 + floor(%(nbadges)s * pg_temp.seed_r(p.i, 72))::int]
            ELSE '' END,
       p.kind = 'poll' AND pg_temp.seed_r(p.i, 73) < 0.2,
       CASE WHEN p.kind = 'poll' THEN p.created_at + interval '7 days' END,
       NULL, NULL,
       CASE WHEN p.deleted THEN least(%(now)s, p.created_at + interval '2 hours') END,
       coalesce(cc.n, 0), coalesce(rc.counts, '{}'::jsonb), p.author_id,
       CASE WHEN p.kind = 'question' AND p.nc > 0 AND pg_temp.seed_r(p.i, 74) < 0.3 THEN %(cm1)s + p.c_off END,
       p.community_id, CASE WHEN p.deleted THEN p.author_id END, NULL
FROM seed_post p
JOIN seed_body b ON b.kind = p.kind AND b.k = p.body_k
LEFT JOIN seed_tag t1 ON t1.t = p.t1
LEFT JOIN seed_tag t2 ON t2.t = p.t2
LEFT JOIN seed_cc cc ON cc.post_id = p.id
LEFT JOIN seed_rc rc ON rc.post_id = p.id
"""

COUNTERS_SQL = [
    """CREATE TEMPORARY TABLE seed_cc AS
       SELECT post_id, count(*)::int AS n FROM feeds_comment
       WHERE post_id BETWEEN %(p1)s AND %(p2)s AND deleted_at IS NULL GROUP BY post_id""",
    """CREATE TEMPORARY TABLE seed_rc AS
       SELECT post_id, jsonb_object_agg(kind, n) AS counts FROM (
           SELECT post_id, kind, count(*) AS n FROM feeds_reaction WHERE post_id BETWEEN %(p1)s AND %(p2)s
           GROUP BY post_id, kind) r
       GROUP BY post_id""",
    "CREATE UNIQUE INDEX ON seed_cc (post_id)",
    "CREATE UNIQUE INDEX ON seed_rc (post_id)",
    "ANALYZE seed_cc",
    "ANALYZE seed_rc",
]

PINS_SQL = """
UPDATE feeds_post SET pinned_at = created_at WHERE id IN (
    (SELECT id FROM seed_post WHERE kind = 'announcement' AND community_id IS NULL AND NOT deleted
     ORDER BY i DESC LIMIT 2)
    UNION ALL
    (SELECT DISTINCT ON (community_id) id FROM seed_post
     WHERE kind = 'announcement' AND community_id IS NOT NULL AND NOT deleted AND mod(community_id, 5) = 0
     ORDER BY community_id, i DESC)
)
"""

BOOKMARKS_SQL = [
    """CREATE TEMPORARY TABLE seed_cw AS
       SELECT row_number() OVER (ORDER BY i) AS rn, id, created_at FROM seed_post
       WHERE community_id IS NULL AND NOT deleted""",
    """INSERT INTO feeds_bookmark (created_at, user_id, post_id)
       SELECT DISTINCT ON (user_id, post_id) at, user_id, post_id FROM (
           SELECT least(%(now)s, w.created_at + interval '3 hours') AS at, %(u1)s + u AS user_id, w.id AS post_id
           FROM generate_series(0, %(n)s - 1) AS u
           CROSS JOIN LATERAL generate_series(1, 1 + floor(5 * pg_temp.seed_r(u, 81))::int) AS k
           JOIN seed_cw w ON w.rn = 1 + floor(%(cw_n)s * pg_temp.seed_r(u * 16 + k, 82))::int
           WHERE pg_temp.seed_r(u, 80) < 0.3
       ) x ORDER BY user_id, post_id""",
]


def load_content(load: Load) -> None:
    """Bodies rendered by the app; hashtags; the post plan."""
    started = time.perf_counter()
    load.run("CREATE TEMPORARY TABLE seed_body (kind text, k int, body text, html text, poll int, options int)")
    load.copy(
        "seed_body",
        ["kind", "k", "body", "html", "poll", "options"],
        [(*row, None if row[4] is None else len(POLLS[row[4]][1])) for row in _bodies(load.rng)],
    )
    load.run("CREATE TEMPORARY TABLE seed_poll_option (poll int, position int, label text)")
    load.copy(
        "seed_poll_option",
        ["poll", "position", "label"],
        [(poll, k, label) for poll, (_q, labels) in enumerate(POLLS) for k, label in enumerate(labels)],
    )
    load.run("CREATE TEMPORARY TABLE seed_cbody (k int, body text, html text)")
    comments = [load.rng.choice(COMMENTS) for _ in range(COMMENT_BODIES)]
    load.copy("seed_cbody", ["k", "body", "html"], [(k, body, _rendered(body)) for k, body in enumerate(comments)])
    with connection.cursor() as cursor:
        # Hashtags: existing ones reused; links and names folded as _set_hashtags does.
        cursor.executemany(
            "INSERT INTO feeds_hashtag (name, display) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
            [(fold(tag)[:60], fold(tag)[:60]) for tag in HASHTAGS],
        )
        cursor.execute("SELECT name, id FROM feeds_hashtag WHERE name = ANY(%s)", [[fold(t) for t in HASHTAGS]])
        ids = dict(cursor.fetchall())
        cursor.execute("CREATE TEMPORARY TABLE seed_tag (t int, hashtag_id bigint, written text, html text)")
        prefix = len("<p>x ")
        cursor.executemany(
            "INSERT INTO seed_tag VALUES (%s, %s, %s, %s)",
            [(t, ids[fold(tag)], tag, _rendered(f"x #{tag}")[prefix:-4]) for t, tag in enumerate(HASHTAGS)],
        )
    for table in ("seed_body", "seed_poll_option", "seed_cbody", "seed_tag"):
        load.run(f"ANALYZE {table}")
    load.p.update(
        ntags=len(HASHTAGS),
        nbodies=BODIES_PER_KIND,
        ncbodies=COMMENT_BODIES,
        badges=list(Badge.values),
        nbadges=len(Badge.values),
    )
    count = load.run(HASHTAG_FOLLOWS_SQL)
    load.stage(f"bodies, hashtags, hashtag follows ({count:,})", started)

    started = time.perf_counter()
    o = load.o
    p1 = load.reserve("feeds_post", o.posts)
    load.p.update(
        p1=p1,
        p2=p1 + o.posts - 1,
        np=o.posts,
        step=o.days * 86400 / max(o.posts, 1),
        mean_c=o.comments,
        mean_r=o.reactions,
        company_share=0.2 if load.p["am_n"] else 1.0,
    )
    load.run(POST_PLAN_SQL)
    load.run("CREATE UNIQUE INDEX ON seed_post (i)")
    load.run("ANALYZE seed_post")
    total_comments = load.value("SELECT coalesce(sum(nc), 0) FROM seed_post")
    load.p["cm1"] = load.reserve("feeds_comment", total_comments)
    load.stage(f"post plan ({o.posts:,} posts)", started)


def load_posts(load: Load) -> None:
    started = time.perf_counter()
    for sql in COUNTERS_SQL:
        load.run(sql)
    load.stage("counters from the rows", started)
    started = time.perf_counter()
    count = load.run(POSTS_SQL)
    load.run(PINS_SQL)
    load.stage(f"posts ({count:,}) with their counters", started)
    started = time.perf_counter()
    load.run(BOOKMARKS_SQL[0])
    load.p["cw_n"] = load.value("SELECT count(*) FROM seed_cw")
    count = load.run(BOOKMARKS_SQL[1]) if load.p["cw_n"] else 0
    load.stage(f"bookmarks ({count:,})", started)
