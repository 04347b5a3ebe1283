"""Reads for the welcome steps a new person sees on the home page (apps/pages/views/welcome.py):
where they stand, and whom and what to suggest. The dismissals are written by profiles
(`apps.profiles.services.welcome_dismiss`).

Three steps: (a) a photo and a job title, (b) follow colleagues, (c) join communities. A step
is over when done or dismissed; once all are, the panel is over for good ("all"), so that an
onboarded person costs one query per home page (`welcome_status`)."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from apps.communities.models import Community, Membership, State, Visibility
from apps.profiles import selectors as people
from apps.profiles.models import Follow, Profile
from apps.profiles.services import WELCOME_OVER, WELCOME_STEPS

COLLEAGUES = 5
COMMUNITIES = 4


@dataclass
class WelcomeStatus:
    profile: Profile | None
    over: bool = False
    # The steps still to show, in WELCOME_STEPS order.
    steps: list[str] = field(default_factory=list)


def welcome_status(*, viewer) -> WelcomeStatus:
    """Where the viewer stands, in one query: their profile, whether they follow anyone and
    whether they belong to a community."""
    profile = (
        Profile.objects.filter(user=viewer)
        .only("id", "user_id", "avatar", "job_title", "department", "manager_id", "welcome_dismissed")
        .annotate(
            follows_someone=Exists(Follow.objects.filter(follower=viewer)),
            in_a_community=Exists(Membership.objects.filter(user=viewer, state=State.ACTIVE)),
        )
        .first()
    )
    if profile is None or WELCOME_OVER in profile.welcome_dismissed:
        return WelcomeStatus(profile, over=True)
    done = {
        "profile": bool(profile.avatar.get("256") and profile.job_title.strip()),
        "colleagues": profile.follows_someone,
        "communities": profile.in_a_community,
    }
    steps = [step for step in WELCOME_STEPS if not done[step] and step not in profile.welcome_dismissed]
    return WelcomeStatus(profile, steps=steps)


def colleague_suggestions(*, viewer, limit: int = COLLEAGUES) -> list[Profile]:
    """Their manager, their reports, then people of their department, through the
    directory's selectors (visible to the viewer, active, private fields masked); not
    themselves nor anyone they follow already. None for an account without a profile (one
    an administrator made)."""
    try:
        me = people.profile_get(viewer=viewer, user_id=viewer.pk)
    except Http404:
        return []
    candidates = []
    if me.manager is not None:
        candidates.append(me.manager)
    candidates += people.reports_of(viewer=viewer, profile=me)
    if me.department:
        candidates += people.profile_search(viewer=viewer, department=me.department, limit=limit + 1).items
    seen, chosen = {viewer.pk}, []
    for candidate in candidates:
        if candidate.user_id not in seen and candidate.user.is_active:
            seen.add(candidate.user_id)
            chosen.append(candidate)
    followed = people.followed_user_ids(viewer=viewer, user_ids=[p.user_id for p in chosen])
    return [p for p in chosen if p.user_id not in followed][:limit]


def community_suggestions(*, viewer, limit: int = COMMUNITIES) -> list[Community]:
    """Public communities (open to anyone who joins) the viewer may see and has no place in,
    not archived, the most members first."""
    mine = Membership.objects.filter(community=OuterRef("pk"), user=viewer)
    return list(
        Community.objects.visible_to(viewer)
        .filter(visibility=Visibility.PUBLIC, archived_at__isnull=True)
        .exclude(Exists(mine))
        .annotate(member_count=Count("memberships", filter=Q(memberships__state=State.ACTIVE)))
        .order_by("-member_count", "sort_name", "id")[:limit]
    )
