"""`manage.py seed_scale` at a small size: what it generates is consistent with what the
services would have stored, and the home feed works on it."""

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q

from apps.communities.models import Community, Membership, Role, State, Visibility
from apps.feeds.models import Kind, PollOption, PollVote, Post, PostHashtag, PraiseRecipient, Reaction
from apps.feeds.selectors import home_feed
from apps.feeds.services.posts import render_body
from apps.profiles.models import Follow, Profile
from apps.profiles.services import profile_refresh_search

pytestmark = pytest.mark.django_db

SIZE = {"users": 50, "posts": 500, "communities": 5, "follows": 10, "memberships": 3}


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", **{**SIZE, **options}, stdout=out)
    return out.getvalue()


def test_seed_scale_builds_a_consistent_organisation():
    output = _seed(seed=7)
    User = get_user_model()
    assert "total" in output and "posts" in output

    # Counts.
    assert User.objects.count() == 50
    assert Profile.objects.count() == 50
    assert Community.objects.count() == 5
    assert Post.objects.count() == 500
    assert User.objects.filter(is_superuser=True).count() == 1  # who makes company-wide announcements
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert Follow.objects.count() > 50 and Membership.objects.count() > 20

    # Every post's author and community exist; a community post's author is an active member.
    assert not Post.objects.exclude(author__in=User.objects.all()).exists()
    assert not Post.objects.filter(community__isnull=False).exclude(community__in=Community.objects.all()).exists()
    member = Membership.objects.filter(community=OuterRef("community"), user=OuterRef("author"), state=State.ACTIVE)
    assert not Post.objects.filter(community__isnull=False).exclude(Exists(member)).exists()
    # Each community has exactly one owner, an active member.
    for community in Community.objects.all():
        owners = community.memberships.filter(role=Role.OWNER)
        assert [(m.user_id, m.state) for m in owners] == [(community.created_by_id, State.ACTIVE)]

    # Private communities exist and have posts.
    private = Community.objects.filter(visibility=Visibility.PRIVATE)
    assert private.exists()
    assert Post.objects.filter(community__in=private).exists()

    # A realistic mix of kinds, polls with options, praise with recipients (never the author).
    kinds = Counter(Post.objects.values_list("kind", flat=True))
    assert kinds[Kind.POST] > 300 and kinds[Kind.QUESTION] and kinds[Kind.POLL] and kinds[Kind.PRAISE]
    assert not Post.objects.filter(kind=Kind.POLL).annotate(n=Count("poll_options")).filter(n__lt=2).exists()
    assert not Post.objects.filter(kind=Kind.PRAISE).annotate(n=Count("praise_recipients")).filter(n=0).exists()
    assert not PraiseRecipient.objects.filter(user=F("post__author")).exists()
    assert PostHashtag.objects.exists()

    # Counters match the rows.
    comments = dict(
        Post.objects.annotate(n=Count("comments", filter=Q(comments__deleted_at__isnull=True))).values_list("id", "n")
    )
    assert comments == dict(Post.objects.values_list("id", "comment_count"))
    assert sum(comments.values()) > 0
    reactions: dict[int, dict] = {}
    for post_id, kind, n in Reaction.objects.values_list("post_id", "kind").annotate(n=Count("id")):
        reactions.setdefault(post_id, {})[kind] = n
    assert {pk: counts for pk, counts in Post.objects.values_list("id", "reaction_counts") if counts} == reactions
    votes = Counter(PollVote.objects.values_list("option_id", flat=True))
    assert {o.id: o.vote_count for o in PollOption.objects.all() if o.vote_count} == dict(votes)
    assert votes

    # Bodies are what render_body makes of them; profiles are searchable as the service makes them.
    for post in Post.objects.order_by("id")[:: 500 // 60]:
        assert post.body_html == render_body(post.body)[0], post.body
    columns = "id, search_text, sort_name, search_vector::text"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM profiles_profile ORDER BY id LIMIT 15")  # noqa: S608
        seeded = cursor.fetchall()
        for profile in Profile.objects.filter(id__in=[row[0] for row in seeded]).select_related("user"):
            profile_refresh_search(profile=profile)
        cursor.execute(f"SELECT {columns} FROM profiles_profile ORDER BY id LIMIT 15")  # noqa: S608
        assert cursor.fetchall() == seeded

    # The home feed of an ordinary seeded person is full, and shows nothing they may not read.
    viewer = (
        User.objects.filter(is_superuser=False)
        .annotate(n=Count("memberships", filter=Q(memberships__state=State.ACTIVE)))
        .order_by("-n", "id")
        .first()
    )
    page = home_feed(viewer=viewer)
    assert len(page.items) == 20 and page.next_cursor
    mine = set(Membership.objects.filter(user=viewer, state=State.ACTIVE).values_list("community_id", flat=True))
    for post in page.items:
        assert post.deleted_at is None
        assert post.community_id is None or post.community.visibility != Visibility.PRIVATE or post.community_id in mine


def test_same_seed_same_organisation_and_it_only_adds():
    _seed(seed=3, users=20, posts=200, communities=3)
    first = list(Post.objects.order_by("id").values_list("kind", "body", "comment_count", "reaction_counts"))
    _seed(seed=3, users=20, posts=200, communities=3)
    assert get_user_model().objects.count() == 40
    assert Post.objects.count() == 400
    second = list(Post.objects.order_by("id").values_list("kind", "body", "comment_count", "reaction_counts"))
    assert second[200:] == first == second[:200]


def test_refuses_a_database_with_many_people_unless_forced():
    User = get_user_model()
    User.objects.bulk_create([User(email=f"someone{i}@example.com", password="!") for i in range(101)])
    with pytest.raises(CommandError, match="already has 101 users"):
        _seed()
    assert not Post.objects.exists()
    _seed(force=True, users=10, posts=50, communities=2)
    assert Post.objects.count() == 50
