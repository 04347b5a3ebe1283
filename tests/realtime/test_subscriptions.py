"""What a socket listens to: the groups of what its user may read, and nothing more from
the commit that takes a community away (leave, removal, ban, made private, deleted,
deactivated). Through the real ASGI application and the real Redis channel layer."""

import importlib

import pytest
from asgiref.sync import sync_to_async

from apps.communities.models import Membership, Role, State, Visibility
from apps.communities.services import community_create, community_delete, community_update, membership_transition
from apps.core import broadcast
from apps.feeds.services import post_create
from apps.profiles.services import user_set_active
from apps.realtime.selectors import subscription_groups
from tests.factories import UserFactory
from tests.realtime.sockets import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _socket(user, app=None):
    communicator, hello = await (open_socket(user) if app is None else open_socket(user, app))
    assert hello["type"] == "hello"
    return communicator


async def _next_of(communicator, event_type, timeout=3):
    """The next event of `event_type`, skipping the others (membership.changed, ...)."""
    while True:
        event = await communicator.receive_json_from(timeout=timeout)
        if event["type"] == event_type:
            return event


async def _nothing_of(communicator, event_type, timeout=0.7) -> bool:
    """No event of `event_type` within `timeout` (a timed-out receive would cancel the
    application, hence receive_nothing)."""
    while not await communicator.receive_nothing(timeout=timeout):
        if (await communicator.receive_json_from())["type"] == event_type:
            return False
    return True


@pytest.fixture
def people(transactional_db):
    owner, member, outsider, invited, admin = (UserFactory() for _ in range(5))
    admin.is_superuser = True
    admin.save()
    return owner, member, outsider, invited, admin


@pytest.fixture
def lab(people):
    owner, member, _outsider, invited, _admin = people
    community = community_create(actor=owner, name="Secret Lab", visibility=Visibility.PRIVATE)
    Membership.objects.create(community=community, user=member, role=Role.MEMBER, state=State.ACTIVE)
    Membership.objects.create(community=community, user=invited, role=Role.MEMBER, state=State.INVITED)
    return community


def test_subscriptions_per_role(people, lab):
    owner, member, outsider, invited, admin = people
    plaza = community_create(actor=owner, name="Plaza", visibility=Visibility.PUBLIC)
    lab_group, plaza_group = f"community.{lab.pk}", f"community.{plaza.pk}"
    assert subscription_groups(user=owner) == [f"user.{owner.pk}", "company.all", lab_group, plaza_group]
    assert subscription_groups(user=member) == [f"user.{member.pk}", "company.all", lab_group]
    # Invited to the private community: sees it exists, reads nothing of it, hears nothing.
    assert subscription_groups(user=invited) == [f"user.{invited.pk}", "company.all"]
    # A public community one has not joined is followed only while its page is open.
    assert subscription_groups(user=outsider) == [f"user.{outsider.pk}", "company.all"]
    assert subscription_groups(user=admin) == [f"user.{admin.pk}", "company.all"]
    outsider.is_active = False
    assert subscription_groups(user=outsider) == []


async def test_a_page_follows_a_community_it_may_read_and_no_other(people, lab):
    owner, _member, outsider, invited, admin = people
    plaza = await sync_to_async(community_create)(actor=owner, name="Plaza", visibility=Visibility.PUBLIC)
    sockets = {
        name: await _socket(user) for name, user in [("outsider", outsider), ("invited", invited), ("admin", admin)]
    }
    for name, socket in sockets.items():
        await socket.send_json_to({"type": "follow", "community": lab.pk})
        await socket.send_json_to({"type": "follow", "community": plaza.pk})
        granted = [(await _next_of(socket, "subscription.changed"))["community"]]
        if name == "admin":  # a site administrator reads every community, the private one too
            granted.append((await _next_of(socket, "subscription.changed"))["community"])
        assert granted == ([lab.pk] if name == "admin" else []) + [plaza.pk]
    await sync_to_async(post_create)(actor=owner, community=lab, body="Secret")
    await sync_to_async(post_create)(actor=owner, community=plaza, body="Open")
    for name, socket in sockets.items():
        received = [(await _next_of(socket, "post.created"))["community"]]
        if name == "admin":
            received.append((await _next_of(socket, "post.created"))["community"])
        assert sorted(received) == sorted([plaza.pk] + ([lab.pk] if name == "admin" else []))
        assert await _nothing_of(socket, "post.created")
        await socket.disconnect()


@pytest.mark.parametrize("entry", ["config.asgi", "config.asgi_live"])
async def test_members_hear_of_posts_and_outsiders_do_not(people, lab, entry):
    """The same through the web process's /ws/ and the live process's."""
    app = importlib.import_module(entry).application
    owner, member, outsider, invited, _admin = people
    sockets = {
        name: await _socket(user, app)
        for name, user in [("member", member), ("outsider", outsider), ("invited", invited)]
    }
    post = await sync_to_async(post_create)(actor=owner, community=lab, body="Secret roadmap")
    event = await _next_of(sockets["member"], "post.created")
    assert event["post"] == post.pk
    assert await _nothing_of(sockets["outsider"], "post.created")
    assert await _nothing_of(sockets["invited"], "post.created")
    for socket in sockets.values():
        await socket.disconnect()


REVOCATIONS = {
    "leave": lambda owner, member, lab: membership_transition(actor=member, community=lab, user=member, action="leave"),
    "remove": lambda owner, member, lab: membership_transition(
        actor=owner, community=lab, user=member, action="remove"
    ),
    "ban": lambda owner, member, lab: membership_transition(actor=owner, community=lab, user=member, action="ban"),
}


@pytest.mark.parametrize("change", sorted(REVOCATIONS))
async def test_a_member_who_loses_access_hears_nothing_more(people, lab, change):
    owner, member, *_ = people
    socket = await _socket(member)
    await sync_to_async(REVOCATIONS[change])(owner, member, lab)
    await sync_to_async(post_create)(actor=owner, community=lab, body="After the change")
    assert await _nothing_of(socket, "post.created")
    await socket.disconnect()


async def test_joining_subscribes_the_open_sockets_at_once(people, lab):
    owner, _member, _outsider, invited, _admin = people
    socket = await _socket(invited)
    await sync_to_async(membership_transition)(actor=invited, community=lab, user=invited, action="accept")
    changed = await _next_of(socket, "subscription.changed")
    assert changed == {"type": "subscription.changed", "community": lab.pk, "following": True}
    post = await sync_to_async(post_create)(actor=owner, community=lab, body="Welcome")
    assert (await _next_of(socket, "post.created"))["post"] == post.pk
    await socket.disconnect()


async def test_a_community_made_private_stops_outsiders_and_made_public_starts_them(people):
    owner, member, outsider, *_ = people
    plaza = await sync_to_async(community_create)(actor=owner, name="Plaza", visibility=Visibility.PUBLIC)
    await sync_to_async(Membership.objects.create)(community=plaza, user=member, role=Role.MEMBER, state=State.ACTIVE)
    outsider_socket, member_socket = await _socket(outsider), await _socket(member)
    # The outsider's page shows the community.
    await outsider_socket.send_json_to({"type": "follow", "community": plaza.pk})
    assert (await _next_of(outsider_socket, "subscription.changed"))["following"] is True

    await sync_to_async(community_update)(actor=owner, community=plaza, changes={"visibility": Visibility.PRIVATE})
    assert (await _next_of(outsider_socket, "subscription.changed"))["following"] is False
    await sync_to_async(post_create)(actor=owner, community=plaza, body="Members only now")
    assert await _nothing_of(outsider_socket, "post.created")
    assert (await _next_of(member_socket, "post.created"))["community"] == plaza.pk

    await sync_to_async(community_update)(actor=owner, community=plaza, changes={"visibility": Visibility.PUBLIC})
    assert (await _next_of(outsider_socket, "subscription.changed"))["following"] is True
    await sync_to_async(post_create)(actor=owner, community=plaza, body="Open again")
    assert (await _next_of(outsider_socket, "post.created"))["community"] == plaza.pk
    await outsider_socket.disconnect()
    await member_socket.disconnect()


async def test_a_deleted_community_is_left(people, lab):
    _owner, member, _outsider, _invited, admin = people
    socket, lab_id = await _socket(member), lab.pk
    await sync_to_async(community_delete)(actor=admin, community=lab, confirm_name=lab.name)
    changed = await _next_of(socket, "subscription.changed")
    assert changed == {"type": "subscription.changed", "community": lab_id, "following": False}
    await socket.disconnect()


async def test_a_deactivated_account_is_disconnected(people, lab):
    _owner, member, _outsider, _invited, admin = people
    socket = await _socket(member)
    await sync_to_async(user_set_active)(actor=admin, user=member, active=False)
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            assert output["code"] == 4401
            break
    await socket.disconnect()


async def test_an_event_already_queued_for_a_group_just_left_is_not_delivered(people, lab):
    """The removal's recheck and a post's event sent right after it: the socket leaves the
    group before it reads the post's event, which was queued for it, and drops it."""
    owner, member, *_ = people
    socket = await _socket(member)

    def remove_then_post():
        membership_transition(actor=owner, community=lab, user=member, action="remove")
        post_create(actor=owner, community=lab, body="Right after")

    await sync_to_async(remove_then_post)()
    assert await _nothing_of(socket, "post.created")
    await socket.disconnect()


async def test_the_company_feed_follows_every_public_community_and_no_private_one(people, lab):
    owner, _member, outsider, *_ = people
    plaza = await sync_to_async(community_create)(actor=owner, name="Plaza", visibility=Visibility.PUBLIC)
    socket = await _socket(outsider)
    await socket.send_json_to({"type": "follow", "open": True})
    await socket.send_json_to({"type": "ping"})
    await _next_of(socket, "pong")  # the follow has been handled
    await sync_to_async(post_create)(actor=owner, community=lab, body="Secret")
    await sync_to_async(post_create)(actor=owner, community=plaza, body="Open")
    assert (await _next_of(socket, "post.created"))["community"] == plaza.pk
    assert await _nothing_of(socket, "post.created")
    # Made private, it is left; its posts no longer arrive.
    await sync_to_async(community_update)(actor=owner, community=plaza, changes={"visibility": Visibility.PRIVATE})
    assert (await _next_of(socket, "subscription.changed"))["following"] is False
    await sync_to_async(post_create)(actor=owner, community=plaza, body="Members only")
    assert await _nothing_of(socket, "post.created")
    await socket.disconnect()


async def test_a_removal_made_while_the_breaker_is_open_still_reaches_the_socket(people, lab):
    """The "check your subscriptions" message of a removal made in the second after one slow
    Redis reply (the web process's breaker open) is sent once Redis answers, not dropped: the
    removed member's socket leaves the group and hears nothing more of it."""
    owner, member, *_ = people
    socket = await _socket(member)
    breaker = broadcast._breaker()
    breaker.trip(TimeoutError("one slow Redis reply"), "event")
    await sync_to_async(membership_transition)(actor=owner, community=lab, user=member, action="remove")
    changed = await _next_of(socket, "subscription.changed", timeout=5)
    assert changed == {"type": "subscription.changed", "community": lab.pk, "following": False}
    assert not breaker.is_open
    await sync_to_async(post_create)(actor=owner, community=lab, body="Members only, after the removal")
    assert await _nothing_of(socket, "post.created", timeout=1.5)
    await socket.disconnect()
