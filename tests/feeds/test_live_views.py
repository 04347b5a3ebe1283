"""What a live page asks for: the posts newer than those on screen, a card afresh, the home
feed's sources. The privacy of each is in tests/feeds/test_privacy.py."""

import pytest
from django.test import Client

from apps.communities.models import Membership, Role, State, Visibility
from apps.communities.services import community_create
from apps.feeds.services import post_create
from apps.profiles.models import Follow
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return ProfileFactory().user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_newer_counts_and_shows_only_what_is_newer(reader):
    author = ProfileFactory().user
    old = post_create(actor=author, community=None, body="Old news")
    fresh = [post_create(actor=author, community=None, body=f"Fresh {n}") for n in range(3)]
    client = _client(reader)
    url = f"/feed/newer/?feed=company&since={old.pk}"
    assert client.get(url + "&count=1").json() == {"count": 3, "more": False}
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.index(f'id="post-{fresh[2].pk}"') < html.index(f'id="post-{fresh[0].pk}"')
    assert "Old news" not in html
    assert client.get(f"/feed/newer/?feed=company&since={fresh[2].pk}&count=1").json()["count"] == 0


@pytest.mark.parametrize("query", ["feed=nope&since=1", "feed=home", "feed=home&since=-1", "feed=home&since=x"])
def test_newer_refuses_what_it_does_not_know(reader, query):
    assert _client(reader).get(f"/feed/newer/?{query}").status_code == 404


def test_a_feed_of_a_subject_without_one_has_nothing_new(reader):
    assert _client(reader).get("/feed/newer/?feed=community&since=0&count=1").json()["count"] == 0


def test_home_sources_are_my_communities_and_the_people_i_follow(reader):
    owner = ProfileFactory().user
    mine = community_create(actor=owner, name="Mine", visibility=Visibility.PRIVATE)
    community_create(actor=owner, name="Not mine")
    Membership.objects.create(community=mine, user=reader, role=Role.MEMBER, state=State.ACTIVE)
    Follow.objects.create(follower=reader, followee=owner)
    assert _client(reader).get("/feed/home-sources/").json() == {"communities": [mine.pk], "people": [owner.pk]}
    # Somebody else's private community is nobody else's business.
    stranger = ProfileFactory().user
    assert _client(stranger).get("/feed/home-sources/").json() == {"communities": [], "people": []}


def test_a_card_is_drawn_afresh_for_its_readers(reader):
    author = ProfileFactory().user
    post = post_create(actor=author, community=None, body="A card")
    response = _client(reader).get(f"/posts/{post.pk}/card/")
    assert response.status_code == 200 and f'id="post-{post.pk}"' in response.content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_newer_runs_a_constant_number_of_queries(count, reader, django_assert_num_queries):
    from apps.feeds.selectors import newer_posts

    author = ProfileFactory().user
    old = post_create(actor=author, community=None, body="Old news")
    for n in range(count):
        post_create(actor=author, community=None, body=f"Fresh {n}")
    with django_assert_num_queries(2):
        posts = newer_posts(viewer=reader, feed="company", subject_id=None, since_id=old.pk)
    assert len(posts) == count
