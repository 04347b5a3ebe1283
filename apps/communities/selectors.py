"""Reads of communities; every one starts from `Community.objects.visible_to(viewer)`."""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Value, When
from django.shortcuts import get_object_or_404

from apps.communities.models import MODERATING_ROLES, Community, Membership, Role, State, is_site_admin
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.core.text import search_terms

PAGE_SIZE = 20


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _annotated(viewer):
    if not viewer.is_authenticated:
        return Community.objects.none()
    mine = Membership.objects.filter(community=OuterRef("pk"), user=viewer)
    return Community.objects.visible_to(viewer).annotate(
        member_count=Count("memberships", filter=Q(memberships__state=State.ACTIVE), distinct=True),
        viewer_state=Subquery(mine.values("state")[:1]),
        viewer_role=Subquery(mine.values("role")[:1]),
    )


def role_of(*, user, community: Community) -> str | None:
    """The user's role in the community if an active member, else None."""
    membership = Membership.objects.filter(community=community, user=user, state=State.ACTIVE).first()
    return membership.role if membership else None


def community_get(*, viewer, slug: str) -> Community:
    """The community, with member_count, viewer_state and viewer_role; 404 if the viewer may not see it."""
    return get_object_or_404(_annotated(viewer), slug=slug)


def community_list(
    *, viewer, query: str = "", mine: bool = False, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    communities = _annotated(viewer)
    for term in search_terms(query):
        communities = communities.filter(search_text__contains=term)
    if mine:
        communities = communities.filter(memberships__user=viewer, memberships__state=State.ACTIVE)
    after = decode_cursor(cursor, types=(str, int))
    if after:
        communities = communities.filter(rows_after("sort_name", after[0], "id", after[1]))
    rows = list(communities.order_by("sort_name", "id")[: limit + 1])
    next_cursor = encode_cursor([rows[limit - 1].sort_name, rows[limit - 1].id]) if len(rows) > limit else None
    return Page(rows[:limit], next_cursor)


def community_suggestions(*, viewer, limit: int = 6) -> list[Community]:
    """Communities the viewer is not in, that people of their department or people they
    follow belong to, the most of them first."""
    from apps.profiles.models import Follow, Profile

    department = Profile.objects.filter(user=viewer).values_list("department", flat=True).first() or ""
    followed = Follow.objects.filter(follower=viewer).values("followee_id")
    related = Q(memberships__state=State.ACTIVE) & (
        Q(memberships__user__profile__department=department, memberships__user__profile__department__gt="")
        | Q(memberships__user__in=followed)
    )
    return list(
        _annotated(viewer)
        .filter(archived_at__isnull=True)
        .exclude(
            # The viewer's own membership only (one exclude() over a relation could match two rows).
            Exists(
                Membership.objects.filter(
                    community=OuterRef("pk"),
                    user=viewer,
                    state__in=[State.ACTIVE, State.REQUESTED, State.INVITED, State.BANNED],
                )
            )
        )
        .annotate(affinity=Count("memberships", filter=related, distinct=True))
        .filter(affinity__gt=0)
        .order_by("-affinity", "sort_name", "id")[:limit]
    )


def communities_of(*, viewer, user_id: int) -> list[Community]:
    """The communities a person belongs to, among those the viewer may see (profile pages)."""
    return list(
        Community.objects.visible_to(viewer)
        .filter(memberships__user_id=user_id, memberships__state=State.ACTIVE)
        .order_by("sort_name", "id")
    )


ROLE_RANK = Case(
    When(role=Role.OWNER, then=Value(0)),
    When(role=Role.MODERATOR, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def members_page(
    *, viewer, community: Community, state: str = State.ACTIVE, cursor: str | None = None, limit: int = 50
) -> Page:
    """Members (or requests, invitations, bans) of a community the viewer may see: owners,
    then moderators, then members, each in the order they came."""
    memberships = (
        Membership.objects.visible_to(viewer)
        .filter(community=community, state=state)
        .select_related("user__profile", "invited_by")
        .alias(rank=ROLE_RANK if state == State.ACTIVE else Value(0, output_field=IntegerField()))
    )
    after = decode_cursor(cursor, types=(int, str, int))
    since = cursor_datetime(after[1]) if after else None
    if since:
        rank = after[0]
        memberships = memberships.filter(
            Q(rank__gt=rank) | Q(rank=rank, created_at__gt=since) | Q(rank=rank, created_at=since, id__gt=after[2])
        )
    rows = list(memberships.annotate(position=F("rank")).order_by("rank", "created_at", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last.position, last.created_at.isoformat(), last.id])
    return Page(rows[:limit], next_cursor)


def pending_counts(*, community: Community) -> dict:
    counts = Membership.objects.filter(community=community).aggregate(
        requests=Count("id", filter=Q(state=State.REQUESTED)), invitations=Count("id", filter=Q(state=State.INVITED))
    )
    return counts


def community_delete_summary(community: Community) -> dict:
    """What deleting the community takes with it, to name it in the confirmation."""
    return {
        "members": Membership.objects.filter(community=community, state=State.ACTIVE).count(),
        "pending": Membership.objects.filter(community=community, state__in=[State.REQUESTED, State.INVITED]).count(),
        # Its posts (apps.feeds, above this app: read through the relation, never imported).
        "posts": community.posts.count(),
    }


def viewer_can(*, viewer, community: Community) -> dict:
    """What the viewer may do here, for the templates (the services check again)."""
    role = community.viewer_role if community.viewer_state == State.ACTIVE else None
    admin = is_site_admin(viewer)
    return {
        "moderate": admin or role in MODERATING_ROLES,
        "own": admin or role == Role.OWNER,
        "administer": admin,
        "member": role is not None,
    }


def my_memberships(*, viewer, limit: int = 30) -> list[Membership]:
    """The viewer's active memberships with their community, by the community's name (the
    left navigation); archived communities last."""
    return list(
        Membership.objects.filter(user=viewer, state=State.ACTIVE)
        .select_related("community")
        .order_by(F("community__archived_at").asc(nulls_first=True), "community__sort_name", "community_id")[:limit]
    )


def active_community_ids(*, viewer) -> list[int]:
    return sorted(Membership.objects.filter(user=viewer, state=State.ACTIVE).values_list("community_id", flat=True))


def last_change():
    """When any community last changed (its settings, its visibility)."""
    return Community.objects.aggregate(latest=Max("updated_at"))["latest"]
