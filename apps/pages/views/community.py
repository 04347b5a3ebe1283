"""communities:detail, composed here: the community (communities) with its feed and composer (feeds)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.communities import selectors as community_selectors
from apps.feeds import selectors as feed_selectors
from apps.feeds.views import composer_context

# The page's tabs, posts first; ?tab= picks the one shown without JavaScript (every pane is in the page).
TABS = ("posts", "about", "members")


@require_GET
def community_detail(request, slug):
    """communities:detail: the community, its first members, its feed and the composer."""
    community = community_selectors.community_get(viewer=request.user, slug=slug)
    can = community_selectors.viewer_can(viewer=request.user, community=community)
    members = community_selectors.members_page(viewer=request.user, community=community, limit=12)
    tab = request.GET.get("tab")
    context = {
        "community": community,
        "can": can,
        "members": members,
        "tab": tab if tab in TABS else TABS[0],
        "page": feed_selectors.community_feed(
            viewer=request.user, community=community, cursor=request.GET.get("after")
        ),
        "more_url": reverse("feeds:community", args=[community.slug]),
        **composer_context(request, community=community),
    }
    if can["moderate"]:
        context["pending"] = community_selectors.pending_counts(community=community)
    return render(request, "communities/detail.html", context)
