"""people:detail, composed here: the profile and its place in the organisation (profiles), the
person's communities (communities), their latest posts and praise and the composer (feeds)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.communities import selectors as community_selectors
from apps.feeds import selectors as feed_selectors
from apps.feeds.views import composer_context
from apps.profiles import selectors as profile_selectors
from apps.profiles.models import PRIVATIZABLE_FIELDS


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
