"""The community pages through HTTP: creation, the membership life cycle with its
messages, the members pages of moderators and owners, invitations, settings, the site
administrators' pages (transfer, archive, bulk add, delete) and their audit log, and
constant query counts."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.communities.models import Community, Membership, Role, State
from apps.communities.services import community_create, membership_transition
from apps.moderation.models import AuditLogEntry
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(first="Ada", last="Lovelace", **fields):
    return ProfileFactory(user=UserFactory(first_name=first, last_name=last), **fields).user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def make(owner, name="Open Garden", visibility="public", description="Plants and people."):
    return community_create(actor=owner, name=name, description=description, visibility=visibility)


def add(community, user, role=Role.MEMBER, state=State.ACTIVE):
    return Membership.objects.create(community=community, user=user, role=role, state=state)


def state_of(community, user):
    membership = Membership.objects.filter(community=community, user=user).first()
    return membership.state if membership else None


def actions() -> list[str]:
    return list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def owner():
    return person("Olive", "Owner")


@pytest.fixture
def admin():
    return ProfileFactory(user=UserFactory(first_name="Sam", last_name="Admin", is_staff=True, is_superuser=True)).user


# Creation


def test_create_page_for_an_employee_has_no_owner_field(client, user):
    client.force_login(user)
    response = client.get("/communities/new/")
    assert response.status_code == 200
    assert 'name="name"' in text(response) and 'name="owner_email"' not in text(response)


def test_an_employee_creates_a_community_and_owns_it(client, user):
    client.force_login(user)
    response = client.post(
        "/communities/new/",
        {"name": "  Bike   Club ", "description": "We *ride*.", "visibility": "moderated", "tags": "bikes, outdoor"},
        follow=True,
    )
    community = Community.objects.get()
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]
    body = text(response)
    assert "Community created." in body
    assert "<em>ride</em>" in body
    assert (community.name, community.visibility, community.tags) == ("Bike Club", "moderated", ["bikes", "outdoor"])
    assert Membership.objects.get(community=community).user == user
    assert Membership.objects.get(community=community).role == Role.OWNER
    assert AuditLogEntry.objects.count() == 0


def test_create_with_an_empty_name_shows_the_error(client, user):
    client.force_login(user)
    response = client.post("/communities/new/", {"name": "", "visibility": "public"})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert not Community.objects.exists()


def test_an_employee_cannot_name_another_owner(client, user):
    colleague = person()
    client.force_login(user)
    client.post("/communities/new/", {"name": "Mine", "visibility": "public", "owner_email": colleague.email})
    assert Membership.objects.get().user == user


def test_site_admin_creates_a_community_for_someone(client, admin):
    colleague = person()
    client.force_login(admin)
    assert 'name="owner_email"' in text(client.get("/communities/new/"))
    response = client.post(
        "/communities/new/", {"name": "Finance", "visibility": "private", "owner_email": colleague.email.upper()}
    )
    community = Community.objects.get()
    assert response["Location"] == f"/communities/{community.slug}/"
    assert list(community.memberships.values_list("user", "role", "state")) == [
        (colleague.pk, Role.OWNER, State.ACTIVE)
    ]
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id) == ("community.create", admin, str(community.pk))
    assert entry.after == {"name": "Finance", "owner": colleague.pk, "visibility": "private"}


def test_site_admin_naming_an_unknown_owner_sees_an_error(client, admin):
    client.force_login(admin)
    response = client.post(
        "/communities/new/", {"name": "Finance", "visibility": "public", "owner_email": "nobody@example.com"}
    )
    assert response.status_code == 200
    assert "No current employee has this address." in text(response)
    assert not Community.objects.exists()


# The viewer's own membership


def _post_membership(client, community, action, **data):
    return client.post(f"/communities/{community.slug}/membership/", {"action": action, **data}, follow=True)


def test_join_and_leave_a_public_community(client, user, owner):
    community = make(owner)
    client.force_login(user)
    assert "Join" in text(client.get(f"/communities/{community.slug}/"))
    response = _post_membership(client, community, "join")
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]
    assert "You joined Open Garden." in text(response)
    assert "You are a member" in text(response)
    assert state_of(community, user) == State.ACTIVE
    response = _post_membership(client, community, "leave")
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]
    assert "You left Open Garden." in text(response)
    assert state_of(community, user) == State.LEFT


def test_request_then_cancel_in_a_moderated_community(client, user, owner):
    community = make(owner, "Reviewed Circle", "moderated")
    client.force_login(user)
    assert "Ask to join" in text(client.get(f"/communities/{community.slug}/"))
    response = _post_membership(client, community, "request", message="  I review code.  ")
    assert "Your request to join Reviewed Circle was sent to its moderators." in text(response)
    assert "Your request to join is waiting for a moderator." in text(response)
    membership = Membership.objects.get(community=community, user=user)
    assert (membership.state, membership.message) == (State.REQUESTED, "I review code.")
    response = _post_membership(client, community, "cancel")
    assert "Your request was withdrawn." in text(response)
    assert state_of(community, user) == State.LEFT


def test_joining_a_moderated_community_directly_is_refused(client, user, owner):
    community = make(owner, "Reviewed Circle", "moderated")
    client.force_login(user)
    response = _post_membership(client, community, "join")
    assert "This community does not work that way: Moderated: everyone reads, joining needs approval." in text(response)
    assert state_of(community, user) is None


def test_an_unknown_action_is_a_404(client, user, owner):
    community = make(owner)
    client.force_login(user)
    assert client.post(f"/communities/{community.slug}/membership/", {"action": "approve"}).status_code == 404
    assert client.post(f"/communities/{community.slug}/membership/", {}).status_code == 404
    assert state_of(community, user) is None


def test_accept_an_invitation_to_a_private_community(client, user, owner):
    community = make(owner, "Hidden Lab", "private")
    membership_transition(actor=owner, community=community, user=user, action="invite")
    client.force_login(user)
    body = text(client.get(f"/communities/{community.slug}/"))
    assert "You are invited to join." in body
    response = _post_membership(client, community, "accept")
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]
    assert "Welcome to Hidden Lab." in text(response)
    assert state_of(community, user) == State.ACTIVE
    # Leaving a private community: nothing left to see there, back to the directory.
    response = _post_membership(client, community, "leave")
    assert response.redirect_chain == [("/communities/", 302)]
    assert "You left Hidden Lab." in text(response)
    assert client.get(f"/communities/{community.slug}/").status_code == 404


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_decline_an_invitation(client, user, owner, visibility):
    community = make(owner, "Hidden Lab", visibility)
    membership_transition(actor=owner, community=community, user=user, action="invite")
    client.force_login(user)
    response = _post_membership(client, community, "decline")
    where = "/communities/" if visibility == "private" else f"/communities/{community.slug}/"
    assert response.redirect_chain == [(where, 302)]
    assert "Invitation declined." in text(response)
    assert state_of(community, user) == State.DECLINED


def test_the_last_owner_cannot_leave(client, owner):
    community = make(owner)
    client.force_login(owner)
    response = _post_membership(client, community, "leave")
    assert "A community always keeps an owner: name another owner first." in text(response)
    assert state_of(community, owner) == State.ACTIVE


def test_the_last_owner_of_a_private_community_who_cannot_leave_stays_on_its_page(client, owner):
    """The leave is refused: the owner is still in the community, and should see its page
    with the reason, not be sent to the directory as if they had left."""
    community = make(owner, "Hidden Lab", "private")
    client.force_login(owner)
    response = _post_membership(client, community, "leave")
    assert state_of(community, owner) == State.ACTIVE
    assert "A community always keeps an owner: name another owner first." in text(response)
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]


# Moderators and owners on the members pages


def _manage(client, community, user, action, **data):
    return client.post(f"/communities/{community.slug}/members/{user.pk}/", {"action": action, **data}, follow=True)


@pytest.fixture
def moderated(owner):
    community = make(owner, "Reviewed Circle", "moderated")
    moderator = person("Mona", "Moderator")
    add(community, moderator, Role.MODERATOR)
    return community, moderator


def test_moderator_approves_and_denies_requests(moderated):
    community, moderator = moderated
    alice, bob = person("Alice", "Asker"), person("Bob", "Asker")
    membership_transition(actor=alice, community=community, user=alice, action="request", message="Let me in")
    membership_transition(actor=bob, community=community, user=bob, action="request")
    client = signed_in(moderator)
    body = text(client.get(f"/communities/{community.slug}/members/?state=requested"))
    assert "Requests to join" in body and "Requests (2)" in body
    assert "Alice Asker" in body and "“Let me in”" in body
    assert body.count('value="approve"') == 2 and body.count('value="deny"') == 2

    response = _manage(client, community, alice, "approve", next_state="requested")
    assert response.redirect_chain == [(f"/communities/{community.slug}/members/?state=requested", 302)]
    assert "Done." in text(response)
    assert state_of(community, alice) == State.ACTIVE
    response = _manage(client, community, bob, "deny", next_state="requested")
    assert "Done." in text(response) and "Nobody here." in text(response)
    assert state_of(community, bob) == State.DENIED


def test_moderator_removes_bans_and_unbans(moderated):
    community, moderator = moderated
    carol, dave = person("Carol", "Member"), person("Dave", "Member")
    add(community, carol)
    add(community, dave)
    client = signed_in(moderator)
    body = text(client.get(f"/communities/{community.slug}/members/"))
    assert "Carol Member" in body and body.count('value="ban"') == 3  # owner, carol, dave; not oneself
    assert 'name="role"' not in body  # only owners change roles

    response = _manage(client, community, carol, "remove", next_state="active")
    assert response.redirect_chain == [(f"/communities/{community.slug}/members/?state=active", 302)]
    assert "Done." in text(response) and "Carol Member" not in text(response)
    assert state_of(community, carol) == State.REMOVED

    _manage(client, community, dave, "ban")
    assert state_of(community, dave) == State.BANNED
    body = text(client.get(f"/communities/{community.slug}/members/?state=banned"))
    assert "Dave Member" in body and "Lift the ban" in body
    response = _manage(client, community, dave, "unban", next_state="banned")
    assert response.redirect_chain == [(f"/communities/{community.slug}/members/?state=banned", 302)]
    assert state_of(community, dave) == State.REMOVED
    # A banned person cannot come back by themselves; once unbanned they can ask again.
    _manage(client, community, dave, "ban")
    assert "You cannot join this community." in text(signed_in(dave).get(f"/communities/{community.slug}/"))


def test_moderator_cannot_change_roles_nor_ban_an_owner(moderated, owner):
    community, moderator = moderated
    add(community, person("Otto", "Owner"), Role.OWNER)
    client = signed_in(moderator)
    response = _manage(client, community, owner, "ban")
    assert "Only owners can remove or ban an owner." in text(response)
    response = _manage(client, community, owner, "remove")
    assert "Only owners can remove or ban an owner." in text(response)
    response = _manage(client, community, owner, "role", role="member")
    assert "Only owners change roles." in text(response)
    assert Membership.objects.get(community=community, user=owner).role == Role.OWNER
    assert state_of(community, owner) == State.ACTIVE
    assert client.post(f"/communities/{community.slug}/members/{owner.pk}/", {"action": "zap"}).status_code == 404


def test_owner_changes_roles(moderated, owner):
    community, moderator = moderated
    carol = person("Carol", "Member")
    add(community, carol)
    client = signed_in(owner)
    body = text(client.get(f"/communities/{community.slug}/members/"))
    assert body.count('name="role"') == 2  # Mona and Carol, not the owner themself
    response = _manage(client, community, carol, "role", role="moderator", next_state="active")
    assert "Done." in text(response)
    assert Membership.objects.get(community=community, user=carol).role == Role.MODERATOR
    _manage(client, community, moderator, "role", role="owner")
    _manage(client, community, moderator, "role", role="member")
    assert Membership.objects.get(community=community, user=moderator).role == Role.MEMBER
    # The last owner cannot be demoted, even by themself.
    response = _manage(client, community, owner, "role", role="member")
    assert "A community always keeps an owner: name another owner first." in text(response)
    response = _manage(client, community, carol, "role", role="emperor")
    assert "Unknown role." in text(response)
    # Every change an owner made is in the audit log; the refused ones are not.
    assert actions() == ["community.role"] * 3


def test_members_are_listed_owners_first(moderated):
    community, _moderator = moderated
    add(community, person("Carol", "Member"))
    body = text(signed_in(person()).get(f"/communities/{community.slug}/members/"))
    assert body.index("Olive Owner") < body.index("Mona Moderator") < body.index("Carol Member")


# Invitations


def test_invite_a_person(moderated):
    community, moderator = moderated
    guest = person("Gina", "Guest")
    client = signed_in(moderator)
    body = text(client.get(f"/communities/{community.slug}/members/?state=invited"))
    assert f'action="/communities/{community.slug}/invite/"' in body
    response = client.post(f"/communities/{community.slug}/invite/", {"email": guest.email}, follow=True)
    assert response.redirect_chain == [(f"/communities/{community.slug}/members/?state=invited", 302)]
    body = text(response)
    assert "Invitation sent." in body
    assert "Gina Guest" in body and "invited by Mona Moderator" in body and "Withdraw" in body
    membership = Membership.objects.get(community=community, user=guest)
    assert (membership.state, membership.invited_by) == (State.INVITED, moderator)
    # Inviting again is refused with the reason.
    response = client.post(f"/communities/{community.slug}/invite/", {"email": guest.email}, follow=True)
    assert "Not possible from here (Invited)." in text(response)


def test_invite_errors(moderated):
    community, moderator = moderated
    client = signed_in(moderator)
    response = client.post(f"/communities/{community.slug}/invite/", {"email": "nobody@example.com"}, follow=True)
    assert "No current employee has this address." in text(response)
    response = client.post(f"/communities/{community.slug}/invite/", {}, follow=True)
    assert "Give an e-mail address or a department." in text(response)
    assert Membership.objects.filter(state=State.INVITED).count() == 0


def test_invite_a_department(moderated):
    community, moderator = moderated
    sales = [person(f"Sal{i}", "Seller", department="Sales") for i in range(3)]
    add(community, sales[0])
    gone = person("Gone", "Seller", department="Sales")
    gone.is_active = False
    gone.save()
    person("Eng", "Engineer", department="Engineering")
    client = signed_in(moderator)
    response = client.post(f"/communities/{community.slug}/invite/", {"department": "Sales"}, follow=True)
    assert "2 people invited, 1 already in or unavailable." in text(response)
    invited = set(Membership.objects.filter(community=community, state=State.INVITED).values_list("user", flat=True))
    assert invited == {sales[1].pk, sales[2].pk}


# Settings


def test_settings_are_for_owners(moderated, owner):
    community, moderator = moderated
    member = person()
    add(community, member)
    assert signed_in(moderator).get(f"/communities/{community.slug}/settings/").status_code == 404
    assert signed_in(member).get(f"/communities/{community.slug}/settings/").status_code == 404
    assert "Settings" not in text(signed_in(moderator).get(f"/communities/{community.slug}/"))

    client = signed_in(owner)
    body = text(client.get(f"/communities/{community.slug}/settings/"))
    assert 'value="Reviewed Circle"' in body and "Plants and people." in body
    response = client.post(
        f"/communities/{community.slug}/settings/",
        {"name": "Reviewed Circle 2", "description": "New **text**", "visibility": "public", "tags": "a, b, A"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]
    assert "Settings saved." in text(response) and "<strong>text</strong>" in text(response)
    community.refresh_from_db()
    assert (community.name, community.visibility, community.tags) == ("Reviewed Circle 2", "public", ["a", "b"])
    entry = AuditLogEntry.objects.get()  # an owner's change of settings concerns every member
    assert (entry.action, entry.before["name"], entry.after["name"]) == (
        "community.update",
        "Reviewed Circle",
        "Reviewed Circle 2",
    )

    response = client.post(f"/communities/{community.slug}/settings/", {"name": "", "visibility": "public"})
    assert response.status_code == 200 and "This field is required." in text(response)
    community.refresh_from_db()
    assert community.name == "Reviewed Circle 2"


def test_site_admin_changes_visibility_and_is_audited(owner, admin):
    community = make(owner, "Open Garden", "public")
    client = signed_in(admin)
    response = client.post(
        f"/communities/{community.slug}/settings/",
        {"name": community.name, "description": community.description, "visibility": "private", "tags": ""},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.visibility == "private"
    entry = AuditLogEntry.objects.get()
    assert entry.action == "community.update"
    assert (entry.before["visibility"], entry.after["visibility"]) == ("public", "private")


# Administration


def _administer(client, community, data, **kwargs):
    return client.post(f"/communities/{community.slug}/administer/", data, follow=True, **kwargs)


def test_transfer_ownership(owner, admin):
    community = make(owner)
    heir = person("Henry", "Heir")
    client = signed_in(admin)
    response = _administer(client, community, {"do": "transfer", "email": heir.email})
    assert response.redirect_chain == [(f"/communities/{community.slug}/administer/", 302)]
    assert "Ownership transferred." in text(response)
    roles = dict(Membership.objects.filter(community=community, state=State.ACTIVE).values_list("user", "role"))
    assert roles == {owner.pk: Role.MEMBER, heir.pk: Role.OWNER}
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.before, entry.after) == (
        "community.transfer",
        {"owners": [owner.pk]},
        {"owners": [heir.pk]},
    )

    response = _administer(client, community, {"do": "transfer", "email": "nobody@example.com"})
    assert response.status_code == 200
    assert "No current employee has this address." in text(response)
    assert AuditLogEntry.objects.count() == 1


def test_archive_and_restore(owner, admin, user):
    community = make(owner)
    client = signed_in(admin)
    response = _administer(client, community, {"do": "archive"})
    assert response.redirect_chain == [(f"/communities/{community.slug}/administer/", 302)]
    assert "Community archived." in text(response) and "Restore the community" in text(response)

    visitor = signed_in(user)
    body = text(visitor.get(f"/communities/{community.slug}/"))
    assert "This community is archived: it can be read, not changed." in body
    assert 'value="join"' not in body
    response = _post_membership(visitor, community, "join")
    assert "This community is archived: nothing can change in it." in text(response)
    assert state_of(community, user) is None
    assert "archived" in text(visitor.get("/communities/"))

    response = _administer(client, community, {"do": "restore"})
    assert "Community restored." in text(response)
    assert "This community is archived" not in text(visitor.get(f"/communities/{community.slug}/"))
    _post_membership(visitor, community, "join")
    assert state_of(community, user) == State.ACTIVE
    assert actions() == ["community.archive", "community.restore"]


def _report(response) -> list[tuple[str, str, str]]:
    """The rows of the bulk-add report: (line, e-mail, result)."""
    import re

    body = text(response)
    assert "What happened, line by line" in body
    table = body.split('<table class="table table-sm report">')[1].split("</table>")[0]
    return re.findall(r'<tr class="(?:ok|failed)"><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', table)


@pytest.fixture
def bulk_people(owner):
    community = make(owner, "Hidden Lab", "private")
    new = person("New", "Comer")
    member = person("Mem", "Ber")
    add(community, member)
    banned = person("Ban", "Ned")
    add(community, banned, state=State.BANNED)
    gone = person("Gone", "Away")
    gone.is_active = False
    gone.save()
    invited = person("Inv", "Ited")
    add(community, invited, state=State.INVITED)
    return community, {"new": new, "member": member, "banned": banned, "gone": gone, "invited": invited}


def test_bulk_add_pasted_addresses(admin, bulk_people):
    community, people = bulk_people
    pasted = "\n".join(
        [
            people["new"].email,
            "",
            people["member"].email,
            people["banned"].email,
            "not an address",
            "nobody@example.com",
            people["gone"].email,
            f"  {people['invited'].email.upper()}  ",
            people["new"].email,
        ]
    )
    response = _administer(signed_in(admin), community, {"do": "bulk", "emails": pasted})
    assert response.status_code == 200
    assert _report(response) == [
        ("1", people["new"].email, "added"),
        ("3", people["member"].email, "already a member"),
        ("4", people["banned"].email, "banned from this community"),
        ("5", "not an address", "not an e-mail address"),
        ("6", "nobody@example.com", "no account with this address"),
        ("7", people["gone"].email, "the account is deactivated"),
        ("8", people["invited"].email, "added"),
        ("9", people["new"].email, "listed twice"),
    ]
    assert state_of(community, people["new"]) == State.ACTIVE
    assert state_of(community, people["invited"]) == State.ACTIVE
    assert state_of(community, people["banned"]) == State.BANNED
    entry = AuditLogEntry.objects.get()
    assert entry.action == "community.bulk_add"
    assert entry.after == {"added": [people["new"].email, people["invited"].email], "failed": 6}


def test_bulk_add_finds_an_account_whatever_the_case_of_its_stored_address(admin, owner):
    """An account made or edited in the Django admin's user form keeps the capitals of its
    address (only sign-up and the manager lower-case it); the other e-mail look-ups of this
    app (invite, transfer, owner) are case-insensitive, and so should bulk add be."""
    community = make(owner)
    capitals = ProfileFactory(user=UserFactory(email="Grace.Hopper@Example.com")).user
    response = _administer(signed_in(admin), community, {"do": "bulk", "emails": "grace.hopper@example.com"})
    assert _report(response) == [("1", "grace.hopper@example.com", "added")]
    assert state_of(community, capitals) == State.ACTIVE


def test_bulk_add_csv_with_an_email_header(admin, bulk_people):
    community, people = bulk_people
    content = (
        "name,Email\n"
        f"New Comer,{people['new'].email}\n"
        f"Mem Ber,{people['member'].email}\n"
        "Short row\n"
        "Nobody,nobody@example.com\n"
    )
    upload = SimpleUploadedFile("people.csv", ("\ufeff" + content).encode(), content_type="text/csv")
    response = _administer(signed_in(admin), community, {"do": "bulk", "csv_file": upload})
    assert _report(response) == [
        ("1", people["new"].email, "added"),
        ("2", people["member"].email, "already a member"),
        ("4", "nobody@example.com", "no account with this address"),
    ]
    assert state_of(community, people["new"]) == State.ACTIVE


def test_bulk_add_csv_without_a_header(admin, bulk_people):
    community, people = bulk_people
    content = f"{people['new'].email},New Comer\n{people['gone'].email},Gone\nwhat?,x\n"
    upload = SimpleUploadedFile("people.csv", content.encode(), content_type="text/csv")
    response = _administer(signed_in(admin), community, {"do": "bulk", "csv_file": upload})
    assert _report(response) == [
        ("1", people["new"].email, "added"),
        ("2", people["gone"].email, "the account is deactivated"),
        ("3", "what?", "not an e-mail address"),
    ]
    assert actions() == ["community.bulk_add"]


def test_bulk_add_to_an_archived_community_is_refused_with_a_message(admin, owner, user):
    community = make(owner)
    client = signed_in(admin)
    _administer(client, community, {"do": "archive"})
    response = _administer(client, community, {"do": "bulk", "emails": user.email})
    assert response.status_code == 200
    assert "This community is archived: nothing can change in it." in text(response)
    assert state_of(community, user) is None
    assert actions() == ["community.archive"]


def test_bulk_add_needs_something(admin, owner):
    community = make(owner)
    response = _administer(signed_in(admin), community, {"do": "bulk", "emails": "  "})
    assert "Paste addresses or choose a CSV file." in text(response)
    assert "What happened" not in text(response)
    assert AuditLogEntry.objects.count() == 0


def test_delete_names_what_will_go_and_needs_the_exact_name(owner, admin):
    community = make(owner, "Hidden Lab", "private")
    for _ in range(2):
        add(community, person())
    add(community, person(), state=State.INVITED)
    client = signed_in(admin)
    body = text(client.get(f"/communities/{community.slug}/delete/"))
    assert "Delete Hidden Lab?" in body
    assert "3 memberships" in body and "1 pending request or invitation" in body
    assert "every post, comment and file in it" in body

    for wrong in ("hidden lab", "Hidden", ""):
        response = client.post(f"/communities/{community.slug}/delete/", {"confirm_name": wrong})
        assert response.status_code == 200, wrong
        assert Community.objects.filter(pk=community.pk).exists()
    assert "Type the community's exact name to confirm." in text(
        client.post(f"/communities/{community.slug}/delete/", {"confirm_name": "hidden lab"})
    )
    assert AuditLogEntry.objects.count() == 0

    response = client.post(f"/communities/{community.slug}/delete/", {"confirm_name": "Hidden Lab"}, follow=True)
    assert response.redirect_chain == [("/communities/", 302)]
    assert "Hidden Lab was deleted." in text(response)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert not Membership.objects.filter(community_id=community.pk).exists()
    entry = AuditLogEntry.objects.get()
    assert entry.action == "community.delete"
    assert entry.before == {
        "name": "Hidden Lab",
        "slug": community.slug,
        "visibility": "private",
        "members": 3,
        "pending": 1,
        "posts": 0,
    }


def test_every_site_admin_action_is_audited_and_readable_by_staff(owner, admin, user):
    """Each action a site administrator takes on a community, through its page, leaves
    an audit entry; staff read the log in the admin, employees do not."""
    client = signed_in(admin)
    colleague = person("Col", "League", department="Sales")
    asker, target = person("Ask", "Er"), person("Tar", "Get")
    client.post("/communities/new/", {"name": "Audit Me", "visibility": "moderated", "owner_email": owner.email})
    community = Community.objects.get(name="Audit Me")
    slug = community.slug
    membership_transition(actor=asker, community=community, user=asker, action="request")
    add(community, target)

    client.post(f"/communities/{slug}/members/{asker.pk}/", {"action": "approve"})
    client.post(f"/communities/{slug}/members/{target.pk}/", {"action": "role", "role": "moderator"})
    client.post(f"/communities/{slug}/members/{target.pk}/", {"action": "ban"})
    client.post(f"/communities/{slug}/members/{target.pk}/", {"action": "unban"})
    client.post(f"/communities/{slug}/members/{asker.pk}/", {"action": "remove"})
    client.post(f"/communities/{slug}/invite/", {"email": asker.email})
    client.post(f"/communities/{slug}/invite/", {"department": "Sales"})
    client.post(f"/communities/{slug}/settings/", {"name": "Audit Me", "visibility": "private", "tags": ""})
    slug = Community.objects.get(pk=community.pk).slug  # made private, it took a private address
    client.post(f"/communities/{slug}/administer/", {"do": "transfer", "email": colleague.email})
    client.post(f"/communities/{slug}/administer/", {"do": "archive"})
    client.post(f"/communities/{slug}/administer/", {"do": "restore"})
    client.post(f"/communities/{slug}/administer/", {"do": "bulk", "emails": user.email})
    client.post(f"/communities/{slug}/delete/", {"confirm_name": "Audit Me"})
    assert actions() == [
        "community.create",
        "community.membership.approve",
        "community.role",
        "community.membership.ban",
        "community.membership.unban",
        "community.membership.remove",
        "community.membership.invite",
        "community.membership.invite",  # the Sales colleague
        "community.invite_department",
        "community.update",
        "community.transfer",
        "community.archive",
        "community.restore",
        "community.bulk_add",
        "community.delete",
    ]
    assert set(AuditLogEntry.objects.values_list("actor", flat=True)) == {admin.pk}
    assert not Membership.objects.filter(user=admin).exists()

    staff = signed_in(admin)
    response = staff.get("/admin/moderation/auditlogentry/")
    assert response.status_code == 200
    body = text(response)
    assert "community.bulk_add" in body and "community.delete" in body and admin.email in body
    entry = AuditLogEntry.objects.get(action="community.delete")
    assert staff.get(f"/admin/moderation/auditlogentry/{entry.pk}/change/").status_code == 200

    employee = signed_in(user)
    response = employee.get("/admin/moderation/auditlogentry/", follow=True)
    assert response.status_code == 404
    assert "community.delete" not in text(response)
    response = Client().get("/admin/moderation/auditlogentry/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


# Query counts (measured): the same for 1 and 20 rows.
QUERIES_DIRECTORY = 6
QUERIES_DIRECTORY_PARTIAL = 4
QUERIES_MEMBERS = 6
QUERIES_INVITATIONS = 6
QUERIES_COMMUNITY_PAGE = 7  # the owner also sees the pending requests count


def _communities(n, owner):
    department_mate = person("Dee", "Mate")
    for i in range(n):
        community = make(owner, f"Community {i:02d}", ("public", "moderated", "private")[i % 3])
        add(community, department_mate)
        if i % 2:
            community.tags = ["tag"]
            community.save()


@pytest.mark.parametrize("n", [1, 20])
def test_directory_queries_are_constant(client, owner, django_assert_num_queries, n):
    _communities(n, owner)
    client.force_login(owner)
    with django_assert_num_queries(QUERIES_DIRECTORY):
        response = client.get("/communities/")
    assert text(response).count('class="card h-100 community-card"') == n


@pytest.mark.parametrize("n", [1, 20])
def test_directory_partial_queries_are_constant(client, owner, django_assert_num_queries, n):
    _communities(n, owner)
    client.force_login(owner)
    with django_assert_num_queries(QUERIES_DIRECTORY_PARTIAL):
        response = client.get("/communities/", {"q": "community"}, HTTP_HX_REQUEST="true")
    assert text(response).count('class="card h-100 community-card"') == n


@pytest.mark.parametrize("n", [1, 20])
def test_members_page_queries_are_constant(client, owner, django_assert_num_queries, n):
    community = make(owner, "Big", "moderated")
    for i in range(n - 1):
        add(community, person(f"P{i:02d}", "Member"), role=Role.MODERATOR if i % 2 else Role.MEMBER)
    client.force_login(owner)
    with django_assert_num_queries(QUERIES_MEMBERS):
        response = client.get(f"/communities/{community.slug}/members/")
    assert text(response).count('class="person-row list-group-item"') == n


@pytest.mark.parametrize("n", [1, 20])
def test_invitations_page_queries_are_constant(client, owner, django_assert_num_queries, n):
    community = make(owner, "Big", "moderated")
    for i in range(n):
        membership_transition(actor=owner, community=community, user=person(f"P{i:02d}", "Guest"), action="invite")
    client.force_login(owner)
    with django_assert_num_queries(QUERIES_INVITATIONS):
        response = client.get(f"/communities/{community.slug}/members/?state=invited")
    assert text(response).count('class="person-row list-group-item"') == n


class TestCover:
    @staticmethod
    def _png(width=800, height=400):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (width, height), (30, 90, 200)).save(buffer, format="PNG")
        return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")

    def test_owner_sets_a_cover_that_only_those_who_see_the_community_get(self, client, settings, tmp_path):
        from apps.communities.services import community_create
        from tests.factories import UserFactory

        settings.MEDIA_ROOT = tmp_path
        owner, outsider = UserFactory(), UserFactory()
        private = community_create(actor=owner, name="Cover Club", visibility="private")
        client.force_login(owner)
        response = client.post(
            f"/communities/{private.slug}/settings/",
            {"name": "Cover Club", "visibility": "private", "description": "", "tags": "", "cover": self._png()},
        )
        assert response.status_code == 302
        private.refresh_from_db()
        image = client.get(f"/communities/{private.slug}/cover/")
        assert image.status_code == 200
        assert image["Content-Type"] == "image/webp"
        assert image["X-Content-Type-Options"] == "nosniff"
        from PIL import Image as PILImage

        assert PILImage.open(io_bytes(image)).size == (1200, 300)
        assert f"/communities/{private.slug}/cover/" in client.get(f"/communities/{private.slug}/").content.decode()
        client.force_login(outsider)
        assert client.get(f"/communities/{private.slug}/cover/").status_code == 404

    def test_a_file_that_is_not_an_image_is_refused_and_changes_nothing(self, client, settings, tmp_path):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from apps.communities.services import community_create
        from tests.factories import UserFactory

        settings.MEDIA_ROOT = tmp_path
        owner = UserFactory()
        community = community_create(actor=owner, name="Cover Club", visibility="public")
        client.force_login(owner)
        response = client.post(
            f"/communities/{community.slug}/settings/",
            {
                "name": "Renamed",
                "visibility": "public",
                "description": "",
                "tags": "",
                "cover": SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
            },
        )
        assert response.status_code == 200
        assert "not an image we can read" in response.content.decode()
        community.refresh_from_db()
        assert community.name == "Cover Club"
        assert community.cover == {}


def io_bytes(response):
    import io

    return io.BytesIO(b"".join(response.streaming_content))


@pytest.mark.parametrize("n", [1, 12])
def test_community_page_queries_are_constant(client, owner, django_assert_num_queries, n):
    community = make(owner, "Big", "moderated")
    for i in range(n - 1):
        add(community, person(f"P{i:02d}", "Member"))
    client.force_login(owner)
    with django_assert_num_queries(QUERIES_COMMUNITY_PAGE):
        response = client.get(f"/communities/{community.slug}/")
    # The members tab lists the first members; the about tab names the owner again.
    assert text(response).count('class="person"') == n + 1


@pytest.mark.parametrize("n", [1, 6])
def test_suggestions_queries_are_constant(client, owner, django_assert_num_queries, n):
    # Same department as the viewer: the communities they are in are suggested.
    viewer = person("Vic", "Viewer", department="Engineering")
    colleague = person("Col", "League", department="Engineering")
    for i in range(n):
        add(make(owner, f"Suggested {i}", "public"), colleague)
    client.force_login(viewer)
    with django_assert_num_queries(QUERIES_DIRECTORY):
        response = client.get("/communities/")
    assert text(response).count("Suggested ") >= n
