"""Pages that show several apps' content at once.

A community's page shows its posts and composer (feeds) beside its members (communities); a
person's page shows their posts and praise (feeds) and communities beside their profile
(profiles). They are composed here, above those apps, so that no app's views import another
app's. The templates stay with the app whose page it is (communities/detail.html,
profiles/detail.html), and the URLs keep their names (see apps/pages/urls.py).
"""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.communities import selectors as community_selectors
from apps.feeds import selectors as feed_selectors
from apps.feeds.views import composer_context
from apps.profiles import selectors as profile_selectors
from apps.profiles.models import PRIVATIZABLE_FIELDS


@require_GET
def community_detail(request, slug):
    """communities:detail: the community, its first members, its feed and the composer."""
    community = community_selectors.community_get(viewer=request.user, slug=slug)
    can = community_selectors.viewer_can(viewer=request.user, community=community)
    members = community_selectors.members_page(viewer=request.user, community=community, limit=12)
    context = {
        "community": community,
        "can": can,
        "members": members,
        "page": feed_selectors.community_feed(
            viewer=request.user, community=community, cursor=request.GET.get("after")
        ),
        "more_url": reverse("feeds:community", args=[community.slug]),
        **composer_context(request, community=community),
    }
    if can["moderate"]:
        context["pending"] = community_selectors.pending_counts(community=community)
    return render(request, "communities/detail.html", context)


@require_GET
def profile_detail(request, user_id):
    """people:detail: the profile, its place in the organisation, the person's communities,
    latest posts and praise, and the composer on one's own page."""
    viewer = request.user
    profile = profile_selectors.profile_get(viewer=viewer, user_id=user_id)
    context = {
        "profile": profile,
        "chain": profile_selectors.manager_chain(viewer=viewer, profile=profile),
        "reports": profile_selectors.reports_of(viewer=viewer, profile=profile),
        "follow": profile_selectors.follow_state(viewer=viewer, user_id=user_id),
        "is_admin": profile_selectors.is_profile_admin(viewer),
        "private_labels": [PRIVATIZABLE_FIELDS[f] for f in sorted(profile_selectors.private_fields(viewer))],
        "communities": community_selectors.communities_of(viewer=viewer, user_id=user_id),
        "posts": feed_selectors.profile_feed(viewer=viewer, user_id=user_id, limit=5),
        "praise": feed_selectors.praise_feed(viewer=viewer, user_id=user_id, limit=5),
    }
    if viewer.pk == profile.user_id:
        context.update(composer_context(request, community=None))
    return render(request, "profiles/detail.html", context)
