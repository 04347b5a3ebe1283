"""Reads of the directory. Visibility: `Profile.objects.visible_to(viewer)` for rows,
`mask_private_fields` for the fields an admin declared private; every view, card,
search and export goes through these functions."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, CharField, Count, OuterRef, Q, Subquery, Value, When, prefetch_related_objects
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import get_object_or_404

from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.profiles.models import Follow, Profile, ProfileFieldPolicy
from apps.profiles.search import query_share, tsquery

PAGE_SIZE = 20
# How many profiles, in name order, a search tests before sorting its matches instead
# (_first_matches). Measured over 100,000 profiles (tests/benchmarks/test_directory_search.py,
# 532 searches of 14 kinds): p95 per kind 5-25 ms (one letter 10, the most common words 9,
# two of them 19, punctuated names 25, no match 6); it was 44-83 ms for two letters, second
# pages and common words ("engineer", "paris") when every match was sorted. 3,000 cost the
# rare queries a longer walk, 1,000 sorted the common names (2-3 %) instead.
WALK_WINDOW = 2000
MAX_CHAIN = 50
EMPTY = {"languages": list, "start_date": lambda: None, "birthday": lambda: None}


@dataclass
class Page:
    items: list
    next_cursor: str | None


def is_profile_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("profiles.change_profile"))


def private_fields(viewer=None) -> set[str]:
    """The fields an admin made private; read once per request (kept on the viewer object)."""
    cached = getattr(viewer, "_private_profile_fields", None)
    if cached is not None:
        return cached
    fields = set(ProfileFieldPolicy.objects.filter(is_private=True).values_list("field", flat=True))
    if viewer is not None:
        viewer._private_profile_fields = fields
    return fields


def can_see_private_fields(*, viewer, profile: Profile) -> bool:
    return viewer.pk == profile.user_id or is_profile_admin(viewer)


def mask_private_fields(profiles, *, viewer, private: set[str] | None = None):
    """Blank, on these instances only, the private fields the viewer may not see."""
    private = private_fields(viewer) if private is None else private
    for profile in profiles:
        hidden = set() if can_see_private_fields(viewer=viewer, profile=profile) else private
        for field in hidden:
            setattr(profile, field, EMPTY.get(field, str)())
        profile.hidden_fields = hidden
        # A manager loaded alongside (select_related) is masked too, should a template reach it.
        # Django's private _state.fields_cache, checked against Django 5.2.19 (tests/core/test_private_apis.py).
        manager = profile._state.fields_cache.get("manager")
        if manager is not None and not hasattr(manager, "hidden_fields"):
            mask_private_fields([manager], viewer=viewer, private=private)
    return profiles


def _base(viewer):
    return Profile.objects.visible_to(viewer).select_related("user")


def profile_get(*, viewer, user_id: int) -> Profile:
    profile = get_object_or_404(
        _base(viewer).select_related("manager__user").prefetch_related("skills"), user_id=user_id
    )
    mask_private_fields([profile], viewer=viewer)
    return profile


def profile_search(
    *,
    viewer,
    query: str = "",
    department: str = "",
    location: str = "",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    raw_query: str | None = None,
) -> Page:
    """The directory: active employees matching every word (as a prefix, without accents), by name.
    `raw_query`, instead of `query`: a `to_tsquery('simple', ...)` text the caller built with
    `apps.profiles.search.tsquery` (site search's "or" and "-word")."""
    text = raw_query if raw_query is not None else tsquery(query)
    if (query.strip() or raw_query is not None) and not text:
        return Page([], None)
    wanted = Q()
    if text:
        wanted &= Q(search_vector=SearchQuery(text, search_type="raw", config="simple"))
    if department:
        wanted &= Q(department=department)
    if location:
        wanted &= Q(location=location)
    profiles = Profile.objects.visible_to(viewer)
    after = decode_cursor(cursor, types=(str, int))
    if after:
        profiles = profiles.filter(rows_after("sort_name", after[0], "id", after[1]))
    # Too rare to fill a page in the walked window (a name, a skill, a typo): sorted at once.
    share = query_share(query) if text and raw_query is None else None
    rare = share is not None and share * WALK_WINDOW < 2 * (limit + 1)
    rows = _first_matches(profiles, wanted, limit + 1, rare=rare)
    next_cursor = encode_cursor([rows[limit - 1].sort_name, rows[limit - 1].id]) if len(rows) > limit else None
    page = rows[:limit]
    prefetch_related_objects(page, "skills")
    return Page(mask_private_fields(page, viewer=viewer), next_cursor)


def _first_matches(profiles, wanted: Q, count: int, *, rare: bool) -> list[Profile]:
    """The first `count` active employees among `profiles` that are `wanted`, in name order.

    Walking the names in order and testing each profile stops as soon as `count` are
    found: right for "a" or "engineer", which half the company matches. But "zoe" is
    matched by a few hundred people, all listed under Z: the walk would read 95,000
    profiles first. Finding every match with the search index and sorting them is right
    for those, and wrong for "a" (45,000 to sort). So: a query PostgreSQL's statistics
    call `rare` is sorted at once; any other walks the next WALK_WINDOW profiles, and
    only if they hold too few matches (the statistics cannot see that Zoés sit together,
    nor that two common words seldom meet) sorts the matches after them. Neither step
    reads more than a few thousand rows, whatever the query. Measured over 100,000
    profiles: tests/benchmarks/test_directory_search.py."""
    walked = profiles.active().select_related("user").order_by("sort_name", "id")
    if not wanted:  # the whole directory, or the page after a cursor: the first ones are the ones
        return list(walked[:count])
    if rare:
        return _sorted_matches(profiles, wanted, count)
    # The window's last name, computed by PostgreSQL inside the statements below (one round
    # trip fewer): the WALK_WINDOW-th next profile's, or the very last one's if fewer remain.
    # Namesakes of that last one are all inside the window.
    ordered = profiles.order_by("sort_name", "id").values("sort_name")
    end_name = Coalesce(
        Subquery(ordered[WALK_WINDOW - 1 : WALK_WINDOW]), Subquery(ordered.order_by("-sort_name", "-id")[:1])
    )
    # The test as one expression, which no index covers and which PostgreSQL expects half
    # the rows to pass: it walks the name index and stops at the `count`-th match.
    walked = walked.alias(walked_match=Case(When(wanted, then=True), default=False)).filter(walked_match=True)
    # window_full is None when fewer than WALK_WINDOW profiles remain: the walk saw them all.
    walked = walked.filter(sort_name__lte=end_name).annotate(
        window_full=Subquery(ordered[WALK_WINDOW - 1 : WALK_WINDOW])
    )
    rows = list(walked[:count])
    if len(rows) == count or (rows and rows[0].window_full is None):
        return rows
    return rows + _sorted_matches(profiles, wanted, count - len(rows), after=end_name)


def _sorted_matches(profiles, wanted: Q, count: int, *, after=None) -> list[Profile]:
    """The first `count` active `wanted` profiles (named after `after`), found with the search
    index (and the department and office indexes), sorted narrow (id and name), then the few
    first read whole."""
    # The name as an expression, not the column: PostgreSQL can neither walk the name index
    # in this order nor read "after the window" from it (nearly every row), and sorts what
    # the other indexes find instead.
    sort_key = Concat("sort_name", Value(""), output_field=CharField())
    # Whether the account is active, asked row by row: as a join, PostgreSQL would read the
    # whole accounts table (a hash join) to sort a few hundred matches.
    active = Subquery(get_user_model().objects.filter(pk=OuterRef("user_id")).values("is_active"))
    matches = profiles.alias(sort_key=sort_key, user_active=active).filter(wanted, user_active=True)
    if after is not None:
        matches = matches.filter(sort_key__gt=after)
    first = matches.order_by("sort_key", "id").values("id")[:count]
    return list(Profile.objects.select_related("user").filter(id__in=first).order_by("sort_name", "id"))


FACETS_CACHE_KEY = "profiles:directory-facets"
FACETS_CACHE_SECONDS = 300


def directory_facets(*, viewer) -> dict[str, list[str]]:
    """Departments and offices of current employees, for the directory's filters. Two scans
    of the whole directory: cached, and forgotten by the services that change them."""
    if not viewer.is_authenticated or not viewer.is_active:
        return {"departments": [], "locations": []}
    return cache.get_or_set(FACETS_CACHE_KEY, lambda: _facets(viewer), FACETS_CACHE_SECONDS)


def _facets(viewer) -> dict[str, list[str]]:
    active = Profile.objects.visible_to(viewer).active()
    return {
        "departments": list(
            active.exclude(department="").order_by("department").values_list("department", flat=True).distinct()
        ),
        "locations": list(
            active.exclude(location="").order_by("location").values_list("location", flat=True).distinct()
        ),
    }


def manager_chain(*, viewer, profile: Profile) -> list[Profile]:
    """From the top of the organisation down to the profile's own manager."""
    if profile.manager_id is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE chain(id, manager_id, depth) AS (
                SELECT id, manager_id, 1 FROM profiles_profile WHERE id = %s
                UNION ALL
                SELECT p.id, p.manager_id, chain.depth + 1
                FROM profiles_profile p JOIN chain ON p.id = chain.manager_id
                WHERE chain.depth < %s
            )
            SELECT id, depth FROM chain
            """,
            [profile.manager_id, MAX_CHAIN],
        )
        depth_of = dict(cursor.fetchall())
    managers = list(_base(viewer).filter(id__in=depth_of))
    managers.sort(key=lambda manager: -depth_of[manager.id])
    return mask_private_fields(managers, viewer=viewer)


def _with_report_counts(profiles):
    return profiles.annotate(report_count=Count("reports", filter=Q(reports__user__is_active=True)))


def reports_of(*, viewer, profile: Profile) -> list[Profile]:
    """Direct reports still in the company, with how many reports each has in turn."""
    reports = _with_report_counts(_base(viewer).active().filter(manager=profile)).order_by("sort_name", "id")
    return mask_private_fields(list(reports), viewer=viewer)


def org_chart(*, viewer, user_id: int) -> dict:
    person = _with_report_counts(_base(viewer).select_related("manager__user"))
    person = get_object_or_404(person, user_id=user_id)
    mask_private_fields([person], viewer=viewer)
    chain = manager_chain(viewer=viewer, profile=person)
    peers = []
    if person.manager_id:
        peers = [p for p in reports_of(viewer=viewer, profile=person.manager) if p.id != person.id]
    level = sorted([*peers, person], key=lambda profile: (profile.sort_name, profile.id))
    return {"person": person, "chain": chain, "level": level, "reports": reports_of(viewer=viewer, profile=person)}


def follow_state(*, viewer, user_id: int) -> dict:
    follows = Follow.objects.visible_to(viewer)
    counts = follows.filter(Q(followee_id=user_id) | Q(follower_id=user_id)).aggregate(
        followers=Count("id", filter=Q(followee_id=user_id)), following=Count("id", filter=Q(follower_id=user_id))
    )
    counts["is_following"] = follows.filter(follower=viewer, followee_id=user_id).exists()
    return counts


def _follow_page(*, viewer, follows, user_field: str, cursor: str | None, limit: int) -> Page:
    after = decode_cursor(cursor, types=(str, int))
    created_at = cursor_datetime(after[0]) if after else None
    if created_at:
        follows = follows.filter(rows_after("created_at", created_at, "id", after[1], descending=True))
    rows = list(follows.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = (
        encode_cursor([rows[limit - 1].created_at.isoformat(), rows[limit - 1].id]) if len(rows) > limit else None
    )
    user_ids = [getattr(row, f"{user_field}_id") for row in rows[:limit]]
    profiles = {p.user_id: p for p in _base(viewer).prefetch_related("skills").filter(user_id__in=user_ids)}
    ordered = [profiles[uid] for uid in user_ids if uid in profiles]
    return Page(mask_private_fields(ordered, viewer=viewer), next_cursor)


def followers_list(*, viewer, user_id: int, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    follows = Follow.objects.visible_to(viewer).filter(followee_id=user_id)
    return _follow_page(viewer=viewer, follows=follows, user_field="follower", cursor=cursor, limit=limit)


def following_list(*, viewer, user_id: int, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    follows = Follow.objects.visible_to(viewer).filter(follower_id=user_id)
    return _follow_page(viewer=viewer, follows=follows, user_field="followee", cursor=cursor, limit=limit)


def followed_user_ids(*, viewer, user_ids: list[int]) -> set[int]:
    return set(
        Follow.objects.visible_to(viewer)
        .filter(follower=viewer, followee_id__in=user_ids)
        .values_list("followee_id", flat=True)
    )


EXPORT_CHUNK = 2000


def profiles_for_export(*, viewer):
    """Every active employee, in name order, with private fields masked row by row.

    Read a chunk at a time, each after the last row read (keyset): memory stays that of one
    chunk, and the last chunk costs what the first did (an OFFSET re-reads every row before
    it; a count reads them all once more)."""
    private = private_fields()
    profiles = (
        _base(viewer).active().select_related("manager__user").prefetch_related("skills").order_by("sort_name", "id")
    )
    chunk = profiles
    while True:
        rows = list(chunk[:EXPORT_CHUNK])
        yield from mask_private_fields(rows, viewer=viewer, private=private)
        if len(rows) < EXPORT_CHUNK:
            return
        chunk = profiles.filter(rows_after("sort_name", rows[-1].sort_name, "id", rows[-1].id))


def display_name(user) -> str:
    """A person's name, whether or not they have a profile (an account made by an admin)."""
    profile = getattr(user, "profile", None)
    return profile.name if profile else (user.get_full_name() or user.email)


def resolve_handles(handles: list[str]) -> dict:
    """@handle -> user: a full e-mail address, or the part before the @ when exactly one
    active person has it."""
    if not handles:
        return {}
    User = get_user_model()
    query = Q()
    for handle in handles:
        query |= Q(email__iexact=handle) if "@" in handle else Q(email__istartswith=f"{handle}@")
    candidates = list(User.objects.filter(query, is_active=True).select_related("profile")[: 5 * len(handles)])
    resolved = {}
    for handle in handles:
        key = handle.lower()
        if "@" in handle:
            matches = [u for u in candidates if u.email.lower() == key]
        else:
            matches = [u for u in candidates if u.email.lower().startswith(f"{key}@")]
        if len(matches) == 1:
            resolved[key] = matches[0]
    return resolved


@dataclass
class Celebration:
    profile: Profile
    kind: str  # "birthday" or "anniversary"
    years: int = 0


def celebrations(*, viewer, limit: int = 5) -> list[Celebration]:
    """Today's birthdays and work anniversaries among the viewer's department and the people
    they follow (the right rail). Only for the fields an admin has not made private: a private
    birthday is never hinted at, not even by its day."""
    from django.utils import timezone

    private = private_fields(viewer)
    today = timezone.localdate()
    wanted = Q()
    if "birthday" not in private:
        wanted |= Q(birthday__month=today.month, birthday__day=today.day)
    if "start_date" not in private:
        wanted |= Q(start_date__month=today.month, start_date__day=today.day, start_date__year__lt=today.year)
    if not wanted:
        return []
    department = Profile.objects.filter(user=viewer).values_list("department", flat=True).first() or ""
    near = Q(user__in=Follow.objects.filter(follower=viewer).values("followee_id"))
    if department:
        near |= Q(department=department)
    rows = (
        Profile.objects.filter(wanted, near, user__is_active=True)
        .exclude(user=viewer)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")[:limit]
    )
    found = []
    for profile in rows:
        born_today = profile.birthday and (profile.birthday.month, profile.birthday.day) == (today.month, today.day)
        if born_today and "birthday" not in private:
            found.append(Celebration(profile, "birthday"))
        else:
            found.append(Celebration(profile, "anniversary", today.year - profile.start_date.year))
    return found
