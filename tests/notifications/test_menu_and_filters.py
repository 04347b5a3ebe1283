"""The top bar's drop-down (the latest notifications, each with its actor's avatar) and the
list's filters (?show=...), applied in SQL with keyset paging kept."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.feeds.services import post_create
from apps.notifications import selectors
from apps.notifications.models import Kind, Notification
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notify(recipient, kind, actor, **fields) -> Notification:
    """A notification about nothing in particular (no post: readable by its recipient)."""
    return Notification.objects.create(
        recipient=recipient, kind=kind, target=f"user:{actor.pk}", actor_ids=[actor.pk], **fields
    )


def menu_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="menu-notification-(\d+)"', response.content.decode())]


def test_the_menu_lists_the_latest_eight_newest_first_with_avatars(anna, bob):
    made = [notify(bob, Kind.PRAISE, anna) for _ in range(10)]
    response = client_for(bob).get("/notifications/menu/")
    assert response.status_code == 200
    assert menu_ids(response) == [n.pk for n in reversed(made)][:8]
    html = response.content.decode()
    assert "Anna Martin praised you" in html
    assert html.count('class="avatar avatar-40') == 8
    assert html.count("Unread:") == 8
    assert "10 new" in html
    assert f'action="/notifications/{made[-1].pk}/open/"' in html
    assert "See all notifications" in html and 'id="menu-read-all"' in html
    assert "<time" in html
    assert "autofocus" not in html  # opening it leaves the focus to Bootstrap's keyboard handling


def test_the_menu_is_private_and_says_when_there_is_nothing(anna, bob, carol, private, run_facts):
    post_create(actor=anna, community=private, body="Only for @bob.stone")
    run_facts()
    assert menu_ids(client_for(bob).get("/notifications/menu/"))
    # Carol has none of her own; Bob's are not hers.
    response = client_for(carol).get("/notifications/menu/")
    assert menu_ids(response) == []
    assert "all caught up" in response.content.decode()
    assert 'id="menu-read-all"' not in response.content.decode()
    # Once Bob may no longer read the post, its notification leaves his menu too.
    from apps.communities.services import membership_transition

    membership_transition(actor=anna, community=private, user=bob, action="remove")
    assert menu_ids(client_for(bob).get("/notifications/menu/")) == []
    assert Client().get("/notifications/menu/").status_code == 302  # to the sign-in page


def test_a_read_notification_has_no_unread_mark(anna, bob):
    notify(bob, Kind.PRAISE, anna, read_at=timezone.now())
    html = client_for(bob).get("/notifications/menu/").content.decode()
    assert "Unread:" not in html and "is-unread" not in html and "notification-dot" not in html
    assert 'id="menu-read-all"' not in html


@pytest.mark.parametrize("count", [1, 8])
def test_the_menu_runs_a_constant_number_of_queries(count, bob, django_assert_num_queries):
    for _ in range(count):  # each by someone else, each with a profile
        notify(bob, Kind.PRAISE, ProfileFactory().user)
    client = client_for(bob)
    client.get("/notifications/menu/")
    with django_assert_num_queries(6):  # session, user, its permissions, list, actors, count
        response = client.get("/notifications/menu/")
    assert len(menu_ids(response)) == count
    assert response.content.decode().count("avatar avatar-40") == count


def test_an_actor_without_a_profile_gets_a_blank_avatar(bob):
    from tests.factories import UserFactory

    notify(bob, Kind.PRAISE, UserFactory(first_name="Admin", last_name="Made"))
    html = client_for(bob).get("/notifications/menu/").content.decode()
    assert "Admin Made praised you" in html and "avatar-color-0" in html


def test_mark_all_read_from_the_menu_shows_the_menu_again_and_tells_the_bell(anna, bob):
    notify(bob, Kind.PRAISE, anna)
    client = client_for(bob)
    response = client.post("/notifications/read-all/", {"from": "menu"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Unread:" not in response.content.decode()
    assert "See all notifications" in response.content.decode()
    assert "autofocus" in response.content.decode()  # the pressed button is gone: focus moves on
    assert response["HX-Trigger"] == '{"live:notification.read": {"unread": 0}}'
    assert client.get("/notifications/count/").json() == {"unread": 0}
    # Without htmx, it is the form it always was.
    assert client.post("/notifications/read-all/", {"from": "menu"}).status_code == 302


@pytest.fixture
def one_of_each(anna, bob):
    """One notification of each kind for Bob, the oldest first; the mention is read."""
    now = timezone.now()
    made = {}
    for age, kind in enumerate(reversed(Kind.values)):
        made[kind] = notify(bob, kind, anna)
        Notification.objects.filter(pk=made[kind].pk).update(updated_at=now - timedelta(minutes=age))
    Notification.objects.filter(pk=made[Kind.MENTION].pk).update(read_at=now)
    return made


EXPECTED = {
    "": set(Kind.values),
    "unread": set(Kind.values) - {Kind.MENTION},
    "mentions": {Kind.MENTION},
    "comments": {Kind.COMMENT, Kind.REPLY},
    "reactions": {Kind.REACTION},
    "communities": {Kind.INVITATION, Kind.JOIN_REQUEST, Kind.REQUEST_APPROVED},
    "praise": {Kind.PRAISE},
    "announcements": {Kind.ANNOUNCEMENT},
}


@pytest.mark.parametrize("show", list(EXPECTED))
def test_each_filter_shows_its_kinds(show, bob, one_of_each):
    page = selectors.notification_list(viewer=bob, show=show)
    assert {row.kind for row in page.items} == EXPECTED[show]
    html = client_for(bob).get("/notifications/", {"show": show}).content.decode()
    shown = {int(pk) for pk in re.findall(r'id="notification-(\d+)"', html)}
    assert shown == {one_of_each[kind].pk for kind in EXPECTED[show]}
    assert 'aria-current="page"' in html


def test_an_unknown_filter_shows_everything(bob, one_of_each):
    assert selectors.list_filter("nonsense") == ""
    html = client_for(bob).get("/notifications/", {"show": "nonsense"}).content.decode()
    assert len(re.findall(r'id="notification-(\d+)"', html)) == len(Kind.values)


def test_a_filter_keeps_its_pages(anna, bob):
    now = timezone.now()
    for n in range(5):
        row = notify(bob, Kind.PRAISE, anna)
        notify(bob, Kind.MENTION, anna)
        Notification.objects.filter(pk=row.pk).update(updated_at=now - timedelta(minutes=n))
    first = selectors.notification_list(viewer=bob, show="praise", limit=3)
    second = selectors.notification_list(viewer=bob, show="praise", limit=3, cursor=first.next_cursor)
    assert [r.kind for r in first.items + second.items] == [Kind.PRAISE] * 5
    assert second.next_cursor is None
    client = client_for(bob)
    more = client.get("/notifications/", {"show": "praise", "after": first.next_cursor}, HTTP_HX_REQUEST="true")
    assert len(re.findall(r'id="notification-(\d+)"', more.content.decode())) == 2


def test_an_empty_filter_says_so(bob, one_of_each):
    Notification.objects.filter(kind=Kind.PRAISE).delete()
    html = client_for(bob).get("/notifications/", {"show": "praise"}).content.decode()
    assert not re.findall(r'id="notification-(\d+)"', html)
    assert "No praise yet" in html


def test_the_more_link_keeps_the_filter(anna, bob):
    for _ in range(selectors.PAGE_SIZE + 1):
        notify(bob, Kind.PRAISE, anna)
    html = client_for(bob).get("/notifications/", {"show": "praise"}).content.decode()
    assert "?show=praise&amp;after=" in html


@pytest.mark.parametrize("count", [1, 20])
def test_a_filtered_page_runs_a_constant_number_of_queries(count, bob, django_assert_num_queries):
    for _ in range(count):
        notify(bob, Kind.INVITATION, ProfileFactory().user)
    client = client_for(bob)
    client.get("/notifications/?show=communities")
    with django_assert_num_queries(6):
        response = client.get("/notifications/?show=communities")
    assert response.content.decode().count('class="notification ') == count
