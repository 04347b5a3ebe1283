"""What the composer offers: where the viewer may post, what they may post there, and whom
they may mention."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from apps.communities.models import Community, State, Visibility, is_site_admin
from apps.core.text import search_terms
from apps.feeds import rules
from apps.profiles.models import Profile


def mention_candidates(*, viewer, query: str, community: Community | None = None, limit: int = 8) -> list[dict]:
    """People the viewer may mention where they are writing: everyone active, or, in a
    private community, its members only (a mention never gives access)."""
    terms = search_terms(query, limit=4)
    if not terms:
        return []
    profiles = Profile.objects.visible_to(viewer).active().select_related("user")
    for term in terms:
        profiles = profiles.filter(search_text__contains=term)
    if community is not None and community.visibility == Visibility.PRIVATE:
        profiles = profiles.filter(user__memberships__community=community, user__memberships__state=State.ACTIVE)
    rows = list(profiles.order_by("sort_name", "id")[:limit])
    locals_ = {row.user.email.split("@")[0].lower() for row in rows}
    User = get_user_model()
    clash = Q()
    for local in locals_:
        clash |= Q(email__istartswith=f"{local}@")
    taken: dict[str, int] = {}
    if locals_:
        for email in User.objects.filter(clash, is_active=True).values_list("email", flat=True):
            local = email.split("@")[0].lower()
            taken[local] = taken.get(local, 0) + 1
    results = []
    for row in rows:
        local = row.user.email.split("@")[0]
        handle = local if taken.get(local.lower(), 0) == 1 else row.user.email
        results.append({"id": row.user_id, "name": row.name, "handle": handle, "title": row.job_title})
    return results


def postable_communities(*, viewer) -> list[Community]:
    """Where the viewer may post (the composer's choice and share targets): rules.can_post,
    as a query."""
    communities = Community.objects.visible_to(viewer).filter(archived_at__isnull=True)
    if not is_site_admin(viewer):
        communities = communities.filter(memberships__user=viewer, memberships__state=State.ACTIVE)
    return list(communities.order_by("sort_name", "id"))


def composer_rights(*, viewer, community: Community | None) -> dict:
    if community is not None and hasattr(community, "viewer_state"):
        # Already read by `communities.selectors.community_get`.
        role = community.viewer_role if community.viewer_state == State.ACTIVE else None
    else:
        role = rules.role_in(viewer, community)
    return {
        "post": rules.can_post(viewer, community, role=role),
        "announce": rules.can_announce(viewer, community, role=role),
    }
