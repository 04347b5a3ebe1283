"""What the community pages put where: the directory's cards with their visibility and
join buttons, its empty states, the community page's tabs with the posts first, and the
invitation form's errors next to the fields."""

import html

import pytest
from django.test import Client

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(first, last):
    return ProfileFactory(user=UserFactory(first_name=first, last_name=last)).user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def card_of(body: str, name: str) -> str:
    """The directory card naming `name`."""
    for card in body.split('<div class="col">')[1:]:
        if f">{name}</a>" in card:
            return card
    raise AssertionError(f"no card for {name}")


@pytest.fixture
def owner():
    return person("Olive", "Owner")


def test_directory_cards_show_visibility_and_the_right_button(owner):
    viewer = person("Vic", "Viewer")
    public = community_create(actor=owner, name="Open Garden", visibility="public", description="Plants **here**.")
    community_create(actor=owner, name="Reviewed Circle", visibility="moderated")
    joined = community_create(actor=owner, name="Joined Club", visibility="public")
    Membership.objects.create(community=joined, user=viewer, role=Role.MEMBER, state=State.ACTIVE)
    body = text(signed_in(viewer).get("/communities/"))
    assert 'class="row row-cols-1 row-cols-sm-2 row-cols-xl-3 g-3 community-grid"' in body

    garden = card_of(body, "Open Garden")
    assert "visibility-public" in garden and "Public" in garden
    assert 'value="join"' in garden and ">Join</button>" in garden
    assert f'action="/communities/{public.slug}/membership/"' in garden
    # The description's text, without its markdown or HTML.
    assert "Plants here." in garden and "**" not in garden

    circle = card_of(body, "Reviewed Circle")
    assert "visibility-moderated" in circle and 'value="request"' in circle and "Request to join" in circle

    club = card_of(body, "Joined Club")
    assert "Member" in club and "<form" not in club


def test_directory_empty_states_say_what_to_do_next(owner):
    client = signed_in(owner)
    body = text(client.get("/communities/", {"q": "nothing-matches"}))
    assert "No community matches “nothing-matches”." in body
    assert "Clear the search" in body and 'href="/communities/new/"' in body
    body = text(client.get("/communities/", {"mine": "1"}))
    assert "You have not joined a community yet." in body and "Browse all communities" in body


def test_the_posts_come_first_and_the_tab_can_be_chosen_by_address(owner):
    community = community_create(actor=owner, name="Open Garden", visibility="public", description="Plants.")
    client = signed_in(owner)
    body = text(client.get(f"/communities/{community.slug}/"))
    posts, about, members = (body.index(f'id="pane-{pane}"') for pane in ("posts", "about", "members"))
    assert posts < about < members
    assert body.index('id="tab-posts"') < body.index('id="tab-about"') < body.index('id="tab-members"')
    assert 'class="tab-pane fade show active" id="pane-posts"' in body
    assert "Be the first to post" in body and 'href="#id_body"' in body

    body = text(client.get(f"/communities/{community.slug}/", {"tab": "about"}))
    assert 'class="tab-pane fade show active" id="pane-about"' in body
    assert 'class="tab-pane fade" id="pane-posts"' in body
    # An unknown tab is the posts.
    body = text(client.get(f"/communities/{community.slug}/", {"tab": "nope"}))
    assert 'class="tab-pane fade show active" id="pane-posts"' in body


def test_moderators_see_the_pending_requests_in_the_members_tab(owner):
    community = community_create(actor=owner, name="Reviewed Circle", visibility="moderated")
    Membership.objects.create(community=community, user=person("Asa", "Asker"), state=State.REQUESTED)
    body = text(signed_in(owner).get(f"/communities/{community.slug}/"))
    assert "1 request to join is waiting" in body
    assert f'href="/communities/{community.slug}/members/?state=requested"' in body
    member = person("Mo", "Member")
    Membership.objects.create(community=community, user=member, role=Role.MEMBER, state=State.ACTIVE)
    assert "request to join is waiting" not in text(signed_in(member).get(f"/communities/{community.slug}/"))


def test_an_invitation_refused_shows_the_error_in_the_form(owner):
    community = community_create(actor=owner, name="Reviewed Circle", visibility="moderated")
    response = signed_in(owner).post(f"/communities/{community.slug}/invite/", {"email": "nobody@example.com"})
    assert response.status_code == 200
    form = text(response).split('class="card mb-3 invite-form"')[1].split("</form>")[0]
    assert "No current employee has this address." in form
    assert 'value="nobody@example.com"' in form


def test_empty_lists_of_the_members_pages_say_why(owner):
    community = community_create(actor=owner, name="Reviewed Circle", visibility="moderated")
    client = signed_in(owner)
    assert "No request is waiting" in text(client.get(f"/communities/{community.slug}/members/?state=requested"))
    assert "Nobody is banned" in text(client.get(f"/communities/{community.slug}/members/?state=banned"))
