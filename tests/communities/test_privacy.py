"""The community privacy matrix: every community route, for every kind of visitor, in a
public, a moderated and a private community; a canary in the private community that
never reaches those who may not see it; privacy changes that take effect at once.

Visitors (the same people in all three communities):
  anon       not signed in
  out        an employee with no tie to the community
  req        asked to join (while the community was moderated; a private community
             cannot receive requests, so its requester asked before it was made private)
  inv        invited by the owner
  mem        a member
  mod        a moderator
  own        the owner
  ban        banned
  adm        a site administrator, not a member
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from apps.communities.models import Community, Membership, Role, State
from apps.communities.services import community_create, community_update, membership_set_role, membership_transition
from apps.core.pagination import encode_cursor
from apps.moderation.models import AuditLogEntry
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

VISITORS = ("anon", "out", "req", "inv", "mem", "mod", "own", "ban", "adm")
VISIBILITIES = ("public", "moderated", "private")
CANARY = "CANARY-7f3a"
HTMX = {"HTTP_HX_REQUEST": "true"}
NAMES = {
    "public": "Open Garden",
    "moderated": "Reviewed Circle",
    "private": f"Hidden Lab {CANARY}",
}

# Outcomes. "L": redirect to sign in; "200" / "404" / "405": that status. For POSTs a redirect
# is "<where><+|=>": "+" the POST changed something, "=" it was refused with a message and
# changed nothing (nor does a "404" or an "L"). Where: D the community's page, M its members,
# I its invitations, A its administration page, X the communities directory.
REDIRECTS = {
    "D": "/communities/{slug}/",
    "M": "/communities/{slug}/members/?state=active",
    "I": "/communities/{slug}/members/?state=invited",
    "A": "/communities/{slug}/administer/",
    "X": "/communities/",
}

# fmt: off
# route (GET), visibility:                   anon out  req  inv  mem  mod  own  ban  adm
GET_MATRIX = {
    ("", "public"):                          " L  200  200  200  200  200  200  200  200",
    ("", "moderated"):                       " L  200  200  200  200  200  200  200  200",
    ("", "private"):                         " L  404  404  200  200  200  200  404  200",
    # Communities here have no cover image: 404 wherever the community itself is visible.
    ("cover/", "public"):                    " L  404  404  404  404  404  404  404  404",
    ("cover/", "private"):                   " L  404  404  404  404  404  404  404  404",
    ("members/", "public"):                  " L  200  200  200  200  200  200  200  200",
    ("members/", "moderated"):               " L  200  200  200  200  200  200  200  200",
    ("members/", "private"):                 " L  404  404  200  200  200  200  404  200",
    ("members/?state=active", "public"):     " L  200  200  200  200  200  200  200  200",
    ("members/?state=active", "moderated"):  " L  200  200  200  200  200  200  200  200",
    ("members/?state=active", "private"):    " L  404  404  200  200  200  200  404  200",
    ("members/?state=requested", "public"):    " L  404  404  404  404  200  200  404  200",
    ("members/?state=requested", "moderated"): " L  404  404  404  404  200  200  404  200",
    ("members/?state=requested", "private"):   " L  404  404  404  404  200  200  404  200",
    ("members/?state=invited", "public"):    " L  404  404  404  404  200  200  404  200",
    ("members/?state=invited", "moderated"): " L  404  404  404  404  200  200  404  200",
    ("members/?state=invited", "private"):   " L  404  404  404  404  200  200  404  200",
    ("members/?state=banned", "public"):     " L  404  404  404  404  200  200  404  200",
    ("members/?state=banned", "moderated"):  " L  404  404  404  404  200  200  404  200",
    ("members/?state=banned", "private"):    " L  404  404  404  404  200  200  404  200",
    ("members/?state=left", "public"):       " L  404  404  404  404  404  404  404  404",
    ("members/?state=left", "private"):      " L  404  404  404  404  404  404  404  404",
    ("settings/", "public"):                 " L  404  404  404  404  404  200  404  200",
    ("settings/", "moderated"):              " L  404  404  404  404  404  200  404  200",
    ("settings/", "private"):                " L  404  404  404  404  404  200  404  200",
    ("administer/", "public"):               " L  404  404  404  404  404  404  404  200",
    ("administer/", "moderated"):            " L  404  404  404  404  404  404  404  200",
    ("administer/", "private"):              " L  404  404  404  404  404  404  404  200",
    ("delete/", "public"):                   " L  404  404  404  404  404  404  404  200",
    ("delete/", "moderated"):                " L  404  404  404  404  404  404  404  200",
    ("delete/", "private"):                  " L  404  404  404  404  404  404  404  200",
    # POST-only routes refuse a GET before looking anything up.
    ("membership/", "public"):               " L  405  405  405  405  405  405  405  405",
    ("membership/", "private"):              " L  405  405  405  405  405  405  405  405",
    ("members/{mem}/", "public"):            " L  405  405  405  405  405  405  405  405",
    ("members/{mem}/", "private"):           " L  405  405  405  405  405  405  405  405",
    ("invite/", "public"):                   " L  405  405  405  405  405  405  405  405",
    ("invite/", "private"):                  " L  405  405  405  405  405  405  405  405",
}

# The POSTs: route, what is posted (see `post_data`), visibility:  anon out  req  inv  mem  mod  own  ban  adm
POST_MATRIX = {
    # Coming in: join a public community, ask to join a moderated one, accept a private invitation.
    ("membership/", "enter", "public"):      " L  D+   D=   D=   D=   D=   D=   D=   D+",
    ("membership/", "enter", "moderated"):   " L  D+   D=   D=   D=   D=   D=   D=   D+",
    ("membership/", "enter", "private"):     " L  404  404  D+   D=   D=   D=   404  D=",
    # Someone else's membership: ban the member; make the member an owner.
    ("members/{mem}/", "ban", "public"):     " L  404  404  404  404  M+   M+   404  M+",
    ("members/{mem}/", "ban", "moderated"):  " L  404  404  404  404  M+   M+   404  M+",
    ("members/{mem}/", "ban", "private"):    " L  404  404  404  404  M+   M+   404  M+",
    ("members/{mem}/", "role", "public"):    " L  404  404  404  404  M=   M+   404  M+",
    ("members/{mem}/", "role", "moderated"): " L  404  404  404  404  M=   M+   404  M+",
    ("members/{mem}/", "role", "private"):   " L  404  404  404  404  M=   M+   404  M+",
    # Approve the pending request (a private community's requester stays invisible, but its
    # moderators may still settle the request).
    ("members/{req}/", "approve", "moderated"): " L  404  404  404  404  M+   M+   404  M+",
    ("members/{req}/", "approve", "private"):   " L  404  404  404  404  M+   M+   404  M+",
    ("invite/", "invite", "public"):         " L  404  404  404  404  I+   I+   404  I+",
    ("invite/", "invite", "moderated"):      " L  404  404  404  404  I+   I+   404  I+",
    ("invite/", "invite", "private"):        " L  404  404  404  404  I+   I+   404  I+",
    ("settings/", "settings", "public"):     " L  404  404  404  404  404  D+   404  D+",
    ("settings/", "settings", "moderated"):  " L  404  404  404  404  404  D+   404  D+",
    ("settings/", "settings", "private"):    " L  404  404  404  404  404  D+   404  D+",
    ("administer/", "archive", "public"):    " L  404  404  404  404  404  404  404  A+",
    ("administer/", "archive", "moderated"): " L  404  404  404  404  404  404  404  A+",
    ("administer/", "archive", "private"):   " L  404  404  404  404  404  404  404  A+",
    ("delete/", "delete", "public"):         " L  404  404  404  404  404  404  404  X+",
    ("delete/", "delete", "moderated"):      " L  404  404  404  404  404  404  404  X+",
    ("delete/", "delete", "private"):        " L  404  404  404  404  404  404  404  X+",
}
# fmt: on


def outcomes(line: str) -> dict[str, str]:
    cells = line.split()
    assert len(cells) == len(VISITORS), line
    return dict(zip(VISITORS, cells, strict=True))


@dataclass
class World:
    users: dict  # visitor -> user (None for anon)
    clients: dict  # visitor -> Client
    communities: dict  # visibility -> Community
    newcomer: object  # someone to invite


def _person(first: str, **fields):
    return ProfileFactory(user=UserFactory(first_name=first, last_name="Tester"), **fields).user


@pytest.fixture
def world() -> World:
    users = {"anon": None}
    for visitor in VISITORS[1:-1]:
        users[visitor] = _person(visitor.capitalize())
    users["adm"] = ProfileFactory(user=UserFactory(first_name="Adm", is_staff=True, is_superuser=True)).user
    newcomer = _person("Newcomer")
    owner = users["own"]
    communities = {}
    for visibility in VISIBILITIES:
        # Every community starts moderated, so that the requester can ask; then it takes its kind.
        community = community_create(
            actor=owner,
            name=NAMES[visibility],
            description=f"About {NAMES[visibility]}: plans and *notes*.",
            visibility="moderated",
        )
        membership_transition(actor=users["req"], community=community, user=users["req"], action="request")
        for visitor in ("mem", "mod"):
            membership_transition(actor=owner, community=community, user=users[visitor], action="invite")
            membership_transition(actor=users[visitor], community=community, user=users[visitor], action="accept")
        membership_set_role(actor=owner, community=community, user=users["mod"], role=Role.MODERATOR)
        membership_transition(actor=owner, community=community, user=users["inv"], action="invite")
        membership_transition(actor=owner, community=community, user=users["ban"], action="ban")
        if visibility != "moderated":
            community_update(actor=owner, community=community, changes={"visibility": visibility})
        communities[visibility] = community
    clients = {"anon": Client()}
    for visitor in VISITORS[1:]:
        clients[visitor] = Client()
        clients[visitor].force_login(users[visitor])
    return World(users, clients, communities, newcomer)


def _outcome(response, slug: str) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/accounts/login/?next="):
            return "L"
        return next((key for key, url in REDIRECTS.items() if url.format(slug=slug) == location), location)
    return str(response.status_code)


def _url(world: World, community: Community, route: str) -> str:
    return f"/communities/{community.slug}/" + route.format(mem=world.users["mem"].pk, req=world.users["req"].pk)


def post_data(world: World, what: str, community: Community) -> dict:
    return {
        "enter": {"action": {"public": "join", "moderated": "request", "private": "accept"}[community.visibility]},
        "ban": {"action": "ban"},
        "role": {"action": "role", "role": Role.OWNER},
        "approve": {"action": "approve"},
        "invite": {"email": world.newcomer.email},
        "settings": {"name": community.name, "description": "Rewritten.", "visibility": "public", "tags": "x"},
        "archive": {"do": "archive"},
        "delete": {"confirm_name": community.name},
    }[what]


def snapshot(community: Community):
    """Everything a POST on the community could change."""
    row = Community.objects.filter(pk=community.pk).values_list(
        "name", "description", "visibility", "tags", "archived_at"
    )
    memberships = Membership.objects.filter(community_id=community.pk).order_by("user_id")
    return (
        list(row),
        list(memberships.values_list("user_id", "state", "role")),
        AuditLogEntry.objects.count(),
    )


def _as_pattern(route: str) -> str:
    route = route.split("?")[0].replace("{mem}", "<int:user_id>").replace("{req}", "<int:user_id>")
    return "communities/<slug:slug>/" + route


def test_every_route_is_in_the_matrix():
    from tests.test_privacy_matrix import all_routes

    routes = {r for r in all_routes() if r.startswith("communities/<slug:slug>/")}
    assert {_as_pattern(route) for route, _vis in GET_MATRIX} == routes
    # Every route that takes a POST (all but the page, its cover and its member list) is in the POST matrix.
    read_only = {"communities/<slug:slug>/", "communities/<slug:slug>/cover/", "communities/<slug:slug>/members/"}
    assert {_as_pattern(route) for route, _what, _vis in POST_MATRIX} == routes - read_only


def test_get_matrix(world):
    wrong = []
    for (route, visibility), line in GET_MATRIX.items():
        community = world.communities[visibility]
        url = _url(world, community, route)
        for visitor, want in outcomes(line).items():
            got = _outcome(world.clients[visitor].get(url), community.slug)
            if got != want:
                wrong.append(f"{visitor} GET {url} ({visibility}): expected {want}, got {got}")
    assert wrong == [], "\n".join(wrong)


def test_post_matrix(world):
    wrong = []
    for (route, what, visibility), line in POST_MATRIX.items():
        community = world.communities[visibility]
        url = _url(world, community, route)
        for visitor, want in outcomes(line).items():
            with transaction.atomic():
                before = snapshot(community)
                response = world.clients[visitor].post(url, post_data(world, what, community))
                # Made public, a private community takes a readable address (apps/communities/addresses.py).
                now = Community.objects.filter(pk=community.pk).values_list("slug", flat=True).first()
                got = _outcome(response, now or community.slug)
                changed = snapshot(community) != before
                transaction.set_rollback(True)
            if got in REDIRECTS:
                got += "+" if changed else "="
            elif changed:
                got += " (and changed something)"
            if got != want:
                wrong.append(f"{visitor} POST {url} {what} ({visibility}): expected {want}, got {got}")
    assert wrong == [], "\n".join(wrong)


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _canary_urls(world: World) -> list[tuple[str, dict, dict]]:
    """(url, query, headers) of every page where the private community could show."""
    private = world.communities["private"]
    routes = dict.fromkeys(route for route, _vis in GET_MATRIX)
    urls = [(_url(world, private, route), {}, {}) for route in routes]
    urls += [
        ("/communities/", {}, {}),
        ("/communities/", {"q": "canary"}, {}),
        ("/communities/", {"q": "hidden lab"}, {}),
        ("/communities/", {"mine": "1"}, {}),
        ("/communities/", {"q": "canary"}, HTMX),
        ("/communities/", {}, HTMX),
        ("/communities/", {"after": encode_cursor(["a", 0])}, HTMX),
        ("/people/", {}, {}),
        ("/people/", {"q": "tester"}, HTMX),
        ("/people/export.csv", {}, {}),
    ]
    for visitor in ("own", "mod", "mem", "inv", "req", "ban", "out"):
        user_id = world.users[visitor].pk
        urls += [(f"/people/{user_id}/", {}, {}), (f"/people/{user_id}/card/", {}, {})]
    return urls


def _leaks(world: World, visitor: str) -> list[str]:
    client = world.clients[visitor]
    found = []
    for url, query, headers in _canary_urls(world):
        response = client.get(url, query, **headers)
        if CANARY in _body(response):
            found.append(f"GET {url} {query}")
    private = world.communities["private"]
    for (route, what, visibility), _line in POST_MATRIX.items():
        if visibility != "private":
            continue
        with transaction.atomic():
            response = client.post(_url(world, private, route), post_data(world, what, private), follow=True)
            if CANARY in _body(response):
                found.append(f"POST {route} {what}")
            transaction.set_rollback(True)
    return found


@pytest.mark.parametrize("visitor", ["anon", "out", "req", "ban"])
def test_the_canary_never_reaches_those_who_may_not_see_it(world, visitor):
    assert _leaks(world, visitor) == []


def test_the_canary_reaches_those_who_may_see_it(world):
    """The pages of the canary test do show the private community to its members, so its
    absence elsewhere means something."""
    owner_profile = f"/people/{world.users['own'].pk}/"
    for visitor in ("mem", "mod", "own", "adm"):
        client = world.clients[visitor]
        assert CANARY in _body(client.get("/communities/")), visitor
        assert CANARY in _body(client.get("/communities/", {"q": "canary"}, **HTMX)), visitor
        assert CANARY in _body(client.get(owner_profile)), visitor
    assert CANARY in _body(world.clients["mem"].get("/communities/", {"mine": "1"}))
    assert CANARY in _body(world.clients["inv"].get(_url(world, world.communities["private"], "")))
    # The outsider's suggestions come from colleagues of the same department: the public and
    # moderated communities are suggested, the private one (same colleagues) is not.
    body = _body(world.clients["out"].get("/communities/"))
    suggestions = body.split('id="suggestions-heading"')[1].split("</section>")[0]
    assert NAMES["public"] in suggestions and NAMES["moderated"] in suggestions
    assert CANARY not in suggestions


def test_invited_person_sees_the_private_page_to_accept_it(world):
    private = world.communities["private"]
    response = world.clients["inv"].get(f"/communities/{private.slug}/")
    body = _body(response)
    assert response.status_code == 200
    assert "Accept the invitation" in body and "Decline" in body
    assert f"About {NAMES['private']}" in body
    # Invited people see the community, but are not listed as members.
    assert private.memberships.get(user=world.users["inv"]).state == State.INVITED
    response = world.clients["inv"].post(f"/communities/{private.slug}/membership/", {"action": "accept"})
    assert response["Location"] == f"/communities/{private.slug}/"
    assert private.memberships.get(user=world.users["inv"]).state == State.ACTIVE


@pytest.mark.parametrize("visitor", ["mem", "mod", "own"])
def test_members_see_the_private_page(world, visitor):
    private = world.communities["private"]
    body = _body(world.clients[visitor].get(f"/communities/{private.slug}/"))
    assert f"About {NAMES['private']}" in body
    assert "Leave" in body


def test_site_admin_sees_a_private_community_without_being_a_member(world):
    private = world.communities["private"]
    admin = world.users["adm"]
    client = world.clients["adm"]
    for route in ("", "members/", "members/?state=requested", "settings/", "administer/", "delete/"):
        response = client.get(f"/communities/{private.slug}/{route}")
        assert response.status_code == 200, route
        assert CANARY in _body(response), route
    body = _body(client.get(f"/communities/{private.slug}/members/"))
    assert admin.get_full_name() not in body
    assert world.users["mem"].get_full_name() in body
    assert not Membership.objects.filter(user=admin).exists()
    # Nothing on the page offers the admin a membership it does not have.
    body = _body(client.get(f"/communities/{private.slug}/"))
    assert "You are a member" not in body and "Leave" not in body
    assert "Administration" in body


def test_making_a_public_community_private_takes_effect_at_once(client, world):
    public = world.communities["public"]
    outsider = world.clients["out"]
    owner_profile = f"/people/{world.users['own'].pk}/"
    assert outsider.get(f"/communities/{public.slug}/").status_code == 200
    assert NAMES["public"] in _body(outsider.get("/communities/"))
    assert NAMES["public"] in _body(outsider.get(owner_profile))

    response = world.clients["own"].post(
        f"/communities/{public.slug}/settings/",
        {"name": public.name, "description": public.description, "visibility": "private", "tags": ""},
    )
    assert response.status_code == 302
    old_slug = public.slug
    public.refresh_from_db()
    assert public.slug != old_slug  # made private, it gave up its readable address

    for slug in (old_slug, public.slug):
        for route in ("", "members/"):
            assert outsider.get(f"/communities/{slug}/{route}").status_code == 404
    assert NAMES["public"] not in _body(outsider.get("/communities/"))
    assert NAMES["public"] not in _body(outsider.get("/communities/", {"q": "garden"}, **HTMX))
    assert NAMES["public"] not in _body(outsider.get(owner_profile))
    # Its members still see it.
    assert world.clients["mem"].get(f"/communities/{public.slug}/").status_code == 200


def test_removing_a_member_of_a_private_community_takes_effect_at_once(world):
    private = world.communities["private"]
    member = world.clients["mem"]
    url = f"/communities/{private.slug}/"
    assert member.get(url).status_code == 200
    assert CANARY in _body(member.get("/communities/", {"mine": "1"}))

    response = world.clients["mod"].post(f"{url}members/{world.users['mem'].pk}/", {"action": "remove"})
    assert response.status_code == 302

    assert member.get(url).status_code == 404
    assert member.get(f"{url}members/").status_code == 404
    assert CANARY not in _body(member.get("/communities/"))
    assert CANARY not in _body(member.get("/communities/", {"mine": "1"}))
    assert CANARY not in _body(member.get(f"/people/{world.users['own'].pk}/"))
    # And the former member cannot act on it any more.
    response = member.post(f"{url}membership/", {"action": "accept"})
    assert response.status_code == 404


def test_a_banned_member_of_a_private_community_loses_it_at_once(world):
    private = world.communities["private"]
    url = f"/communities/{private.slug}/"
    world.clients["own"].post(f"{url}members/{world.users['mod'].pk}/", {"action": "ban"})
    assert world.clients["mod"].get(url).status_code == 404
    assert CANARY not in _body(world.clients["mod"].get("/communities/"))
