"""After the load: a sample of what was generated is compared with what the app's own services
would store, and the rows added are counted."""

from django.db import connection, transaction

from apps.feeds.services.posts import render_body
from apps.profiles.models import Profile
from apps.profiles.services import profile_refresh_search


def self_check(profile_ids: tuple[int, int], post_ids: tuple[int, int]) -> None:
    """A sample of what was generated equals what the app's own services would store."""
    columns = "id, search_text, sort_name, search_vector::text"
    sample = f"SELECT {columns} FROM profiles_profile WHERE id BETWEEN %s AND %s ORDER BY id LIMIT 40"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sample, list(profile_ids))
        seeded = cursor.fetchall()
        with transaction.atomic():
            ids = [row[0] for row in seeded]
            for profile in Profile.objects.filter(id__in=ids).select_related("user"):
                profile_refresh_search(profile=profile)
            cursor.execute(sample, list(profile_ids))
            refreshed = cursor.fetchall()
            transaction.set_rollback(True)
        if seeded != refreshed:
            raise RuntimeError("seeded profile search fields differ from profile_refresh_search's")
        cursor.execute(
            "SELECT id, body, body_html FROM feeds_post WHERE id BETWEEN %s AND %s AND id %% 997 = 0 LIMIT 60",
            list(post_ids),
        )
        for post_id, body, html in cursor.fetchall():
            if render_body(body)[0] != html:
                raise RuntimeError(f"post #{post_id}: body_html differs from render_body's")


def count_rows(p: dict) -> dict[str, int]:
    """How many rows of each kind this run added (`p`: the load's parameters, its first and last ids)."""
    queries = {
        "users": "SELECT count(*) FROM accounts_user WHERE id BETWEEN %(u1)s AND %(u2)s",
        "communities": "SELECT count(*) FROM communities_community WHERE id BETWEEN %(c1)s AND %(c2)s",
        "private communities": (
            "SELECT count(*) FROM communities_community WHERE id BETWEEN %(c1)s AND %(c2)s AND visibility = 'private'"
        ),
        "memberships": "SELECT count(*) FROM communities_membership WHERE community_id BETWEEN %(c1)s AND %(c2)s",
        "follows": "SELECT count(*) FROM profiles_follow WHERE follower_id BETWEEN %(u1)s AND %(u2)s",
        "posts": "SELECT count(*) FROM feeds_post WHERE id BETWEEN %(p1)s AND %(p2)s",
        "comments": "SELECT count(*) FROM feeds_comment WHERE post_id BETWEEN %(p1)s AND %(p2)s",
        "reactions": "SELECT count(*) FROM feeds_reaction WHERE post_id BETWEEN %(p1)s AND %(p2)s",
    }
    with connection.cursor() as cursor:
        result = {}
        for name, sql in queries.items():
            cursor.execute(sql, p)
            result[name] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT kind, count(*) FROM feeds_post WHERE id BETWEEN %s AND %s GROUP BY kind ORDER BY 2 DESC",
            [p["p1"], p["p2"]],
        )
        result.update({f"  {kind}": count for kind, count in cursor.fetchall()})
    return result
