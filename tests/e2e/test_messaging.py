"""Direct messages in a real Chromium, two people in two browser contexts, through the real
ASGI application (uvicorn, the /ws/ socket, the Redis channel layer): what one writes appears
on the other's open conversation without a reload, with the typing indicator, the read
receipt ("Seen by …") and the unread count of the "Messages" link following live."""

import re

import pytest
from playwright.sync_api import expect

from apps.messaging.services import conversation_direct_open
from tests.e2e import test_live
from tests.e2e.pages import employee, url_pattern
from tests.e2e.pages import sign_in as _sign_in
from tests.e2e.test_live import LIVE_TIMEOUT_MS, MARK_PAGE, SAME_PAGE
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

# The same fixture as the other live tests: one browser context per person, on the ASGI
# live server, watched for script and console errors, screenshots on failure.
open_page = test_live.open_page

ANNA = "Anna Keller"
BEN = "Ben Okafor"


@pytest.fixture
def anna(transactional_db):
    return employee("Anna", "Keller", "anna.keller@example.com", "Payments Product Manager")


@pytest.fixture
def ben(transactional_db):
    return employee("Ben", "Okafor", "ben.okafor@example.com", "Payments Backend Engineer")


@pytest.fixture
def conversation(anna, ben):
    """Their one-to-one conversation, still empty."""
    return conversation_direct_open(actor=anna, other=ben)


def _connected(page):
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)


def _person(open_page, user):
    page = open_page()
    _sign_in(page, user.email, PASSWORD)
    return page


def _open_conversation(page, conversation, title):
    """The conversation's page, its socket connected (and so in the person's own group)."""
    page.goto(f"/messages/{conversation.pk}/")
    expect(page.locator("#dm-title")).to_have_text(title)
    _connected(page)


def _messages(page):
    """The messages shown (not the bubbles still being sent)."""
    return page.locator("#dm-messages > li.dm[data-message]")


def _badge(page):
    return page.locator("#messages-count")


def _expect_no_unread(page, timeout=None):
    """The "Messages" link shows no count: hidden by the page's script, and so out of sight."""
    badge = _badge(page)
    expect(badge).to_have_js_property("hidden", True, timeout=timeout)
    expect(badge).to_be_hidden()


def _expect_unread(page, count, timeout=None):
    badge = _badge(page)
    expect(badge).to_have_text(str(count), timeout=timeout)
    expect(badge).to_have_js_property("hidden", False)
    expect(badge).to_be_visible()


def _send(page, text, *, enter=True):
    body = page.locator("#dm-body")
    body.fill(text)
    if enter:
        body.press("Enter")
    else:
        page.locator("#dm-composer").get_by_role("button", name="Send", exact=True).click()
    # Sent: the composer is emptied, the pending bubble replaced by the stored message.
    expect(body).to_have_value("")
    expect(page.locator("#dm-messages .dm.sending")).to_have_count(0)


def test_two_people_chat_live_and_see_each_other_typing(open_page, anna, ben, conversation):
    watch = open_page.watch

    anna_page = _person(open_page, anna)
    _open_conversation(anna_page, conversation, BEN)
    expect(_messages(anna_page)).to_have_count(0)
    anna_page.evaluate(MARK_PAGE)

    ben_page = _person(open_page, ben)
    _open_conversation(ben_page, conversation, ANNA)
    expect(_messages(ben_page)).to_have_count(0)
    ben_page.evaluate(MARK_PAGE)

    # Anna writes; Enter sends.
    _send(anna_page, "Hi Ben, is the refund endpoint ready for review?")
    mine = _messages(anna_page)
    expect(mine).to_have_count(1)  # her own message once, though her socket brings it too
    expect(mine.first).to_have_class(re.compile(r"\bmine\b"))
    expect(mine.first.locator(".dm-body")).to_have_text("Hi Ben, is the refund endpoint ready for review?")

    # It reaches Ben's open page through his socket.
    received = _messages(ben_page)
    expect(received).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(received.first.locator(".dm-head strong")).to_have_text(ANNA)
    expect(received.first.locator(".dm-body")).to_have_text("Hi Ben, is the refund endpoint ready for review?")
    expect(received.first).not_to_have_class(re.compile(r"\bmine\b"))
    message_id = mine.first.get_attribute("data-message")
    expect(received.first).to_have_attribute("id", f"m{message_id}")

    # Ben types: Anna sees it while he does.
    typing = anna_page.locator("#dm-typing")
    expect(typing).to_have_text("")
    ben_page.locator("#dm-body").press_sequentially("Yes, the pull request is up")
    expect(typing).to_have_text(f"{BEN} is typing…", timeout=LIVE_TIMEOUT_MS)

    # He sends with the button; his reply reaches Anna and the indicator goes.
    _send(ben_page, "Yes, the pull request is up since this morning.", enter=False)
    expect(_messages(ben_page)).to_have_count(2)
    expect(mine).to_have_count(2, timeout=LIVE_TIMEOUT_MS)
    reply = mine.nth(1)
    expect(reply.locator(".dm-head strong")).to_have_text(BEN)
    expect(reply.locator(".dm-body")).to_have_text("Yes, the pull request is up since this morning.")
    expect(reply).not_to_have_class(re.compile(r"\bmine\b"))
    expect(mine.nth(0).locator(".dm-body")).to_have_text("Hi Ben, is the refund endpoint ready for review?")
    expect(typing).to_have_text("")

    # And the conversation goes on, both ways.
    _send(anna_page, "Great, I'll take a look after lunch.")
    expect(received).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
    expect(received.nth(2).locator(".dm-body")).to_have_text("Great, I'll take a look after lunch.")

    # A chat's layout for messages arriving live too: one separator for the day, and Anna's
    # second message in a row grouped under her first (no second name or avatar).
    _send(anna_page, "I'll ping you when I'm done.")
    expect(received).to_have_count(4, timeout=LIVE_TIMEOUT_MS)
    expect(received.nth(3)).to_have_class(re.compile(r"\bdm-continued\b"))
    expect(received.nth(2)).not_to_have_class(re.compile(r"\bdm-continued\b"))
    expect(received.nth(3).locator(".dm-avatar")).to_be_hidden()
    expect(received.nth(2).locator(".dm-avatar")).to_be_visible()
    # The name stays for screen readers, out of sight.
    assert received.nth(3).locator(".dm-head").evaluate("e => e.getBoundingClientRect().height") <= 1
    assert received.nth(2).locator(".dm-head").evaluate("e => e.getBoundingClientRect().height") > 10
    for page in (anna_page, ben_page):
        expect(page.locator("#dm-messages > li.dm-day")).to_have_count(1)
        expect(page.locator("#dm-messages > li.dm-day")).to_have_text("Today")

    # Both had the conversation open: nothing is left unread.
    _expect_no_unread(anna_page)
    _expect_no_unread(ben_page)
    assert anna_page.evaluate(SAME_PAGE), "Anna's page was reloaded"
    assert ben_page.evaluate(SAME_PAGE), "Ben's page was reloaded"
    watch.assert_clean()


def test_unread_count_follows_messages_and_the_sender_sees_them_read(open_page, anna, ben, conversation):
    watch = open_page.watch

    # Ben is on the home page.
    ben_page = _person(open_page, ben)
    expect(ben_page).to_have_url(url_pattern("/"))
    _connected(ben_page)
    _expect_no_unread(ben_page)
    ben_page.evaluate(MARK_PAGE)

    anna_page = _person(open_page, anna)
    _open_conversation(anna_page, conversation, BEN)
    anna_page.evaluate(MARK_PAGE)
    sent = _messages(anna_page)

    # Each message Anna sends counts on Ben's "Messages" link, live.
    _send(anna_page, "Ben, the quarterly figures are in the shared folder.")
    _expect_unread(ben_page, 1, timeout=LIVE_TIMEOUT_MS)
    _send(anna_page, "Could you check the refund totals before Friday?")
    _expect_unread(ben_page, 2, timeout=LIVE_TIMEOUT_MS)
    expect(sent).to_have_count(2)
    assert ben_page.evaluate(SAME_PAGE), "Ben's page was reloaded"
    # Not read yet: no receipt.
    expect(anna_page.locator("#dm-messages .dm-seen:visible")).to_have_count(0)

    # Ben goes to his messages: the list shows the conversation and its two unread messages.
    ben_page.locator("a:has(#messages-count)").click()
    expect(ben_page).to_have_url(url_pattern("/messages/"))
    _connected(ben_page)
    _expect_unread(ben_page, 2, timeout=LIVE_TIMEOUT_MS)
    row = ben_page.locator(f"#dm-list li[data-conversation='{conversation.pk}'] a")
    expect(row.locator(".dm-list-title")).to_have_text(ANNA)
    expect(row.locator(".dm-unread")).to_have_text("2")

    # He opens it: he has read both, his count goes.
    row.click()
    expect(ben_page).to_have_url(url_pattern(f"/messages/{conversation.pk}/"))
    expect(ben_page.locator("#dm-title")).to_have_text(ANNA)
    expect(_messages(ben_page)).to_have_count(2)
    # "New messages" above the first he had not read.
    divider = ben_page.locator("#dm-messages > li.dm-new")
    expect(divider).to_have_text("New messages")
    first_unread = f"m{sent.nth(0).get_attribute('data-message')}"
    expect(ben_page.locator("#dm-messages > li.dm-new + li.dm")).to_have_id(first_unread)
    _connected(ben_page)
    _expect_no_unread(ben_page, timeout=LIVE_TIMEOUT_MS)
    # The list beside it no longer counts the open conversation as unread either (checked
    # before another message arrives: that would refresh the list anyway).
    expect(ben_page.locator("#dm-list .dm-unread")).to_have_count(0, timeout=LIVE_TIMEOUT_MS)

    # Anna's open page learns it: "Seen by Ben" under her last message, and only there.
    last_seen = sent.nth(1).locator(".dm-seen")
    expect(last_seen).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(last_seen).to_have_text(f"Seen by {BEN}")
    expect(sent.nth(0).locator(".dm-seen")).to_be_hidden()
    expect(anna_page.locator("#dm-messages .dm-seen:visible")).to_have_count(1)

    # With the conversation open, a new message is read as it arrives: the receipt moves
    # down to it and Ben's count stays at nothing.
    _send(anna_page, "Thanks!")
    expect(_messages(ben_page)).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
    expect(_messages(ben_page).nth(2).locator(".dm-body")).to_have_text("Thanks!")
    expect(sent.nth(2).locator(".dm-seen")).to_have_text(f"Seen by {BEN}", timeout=LIVE_TIMEOUT_MS)
    expect(sent.nth(2).locator(".dm-seen")).to_be_visible()
    expect(last_seen).to_be_hidden()
    _expect_no_unread(ben_page)

    assert anna_page.evaluate(SAME_PAGE), "Anna's page was reloaded"
    watch.assert_clean()


def test_after_a_disconnect_the_conversation_shows_edits_and_deletions(open_page, anna, ben, conversation):
    """Messages edited, deleted or reacted to while Ben's page was not listening, and one sent
    meanwhile: when the page has reconnected, it shows them as they are now, without a reload."""
    from apps.messaging.services import message_delete, message_edit, message_react, message_send
    from tests.e2e.test_live import Outage

    kept, _ = message_send(actor=anna, conversation=conversation, body="The demo is at 4.")
    edited, _ = message_send(actor=anna, conversation=conversation, body="Room 12B.")
    deleted, _ = message_send(actor=anna, conversation=conversation, body="Bring the old laptop.")
    watch = open_page.watch

    ben_page = _person(open_page, ben)
    outage = Outage(ben_page)
    _open_conversation(ben_page, conversation, ANNA)
    expect(_messages(ben_page)).to_have_count(3)
    ben_page.evaluate(MARK_PAGE)

    outage.start(ben_page)
    message_edit(actor=anna, message=edited, body="Room 14A, not 12B.")
    message_delete(actor=anna, message=deleted)
    message_react(actor=anna, message=kept, kind="celebrate")
    message_send(actor=anna, conversation=conversation, body="See you there!")
    outage.end(ben_page)

    expect(ben_page.locator(f"#m{edited.pk} .dm-body")).to_have_text("Room 14A, not 12B.", timeout=LIVE_TIMEOUT_MS)
    expect(ben_page.locator(f"#m{deleted.pk}")).to_contain_text("This message was deleted.")
    expect(ben_page.locator(f"#m{deleted.pk}")).not_to_contain_text("old laptop")
    # The reaction, drawn as an icon with its count (never an emoji).
    reaction = ben_page.locator(f"#m{kept.pk} .dm-reaction")
    expect(reaction).to_have_attribute("data-kind", "celebrate")
    expect(reaction.locator(".dm-reaction-count")).to_have_text("1")
    expect(reaction.locator("svg")).to_have_count(1)
    expect(_messages(ben_page)).to_have_count(4)
    expect(_messages(ben_page).last).to_contain_text("See you there!")
    assert ben_page.evaluate(SAME_PAGE), "Ben's page was reloaded"
    watch.assert_clean()


def test_a_phone_shows_one_pane_at_a_time(open_page, anna, ben, conversation):
    """Below 768 px: the list alone on the index, the conversation alone (with a way back to the
    list) once opened; nothing scrolls sideways, down to 360 px."""
    from apps.messaging.services import message_send

    message_send(actor=ben, conversation=conversation, body="A message long enough to need two lines on a phone.")
    page = _person(open_page, anna)
    for width in (360, 390):
        page.set_viewport_size({"width": width, "height": 780})
        page.goto("/messages/")
        expect(page.locator("#dm-list")).to_be_visible()
        expect(page.locator(".dm-placeholder")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator(f"#dm-list li[data-conversation='{conversation.pk}'] a").click()
        expect(page.locator("#dm-title")).to_have_text(BEN)
        expect(page.locator("#dm-list")).to_be_hidden()
        expect(page.locator("#dm-composer")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.get_by_role("link", name="Back to conversations").click()
        expect(page).to_have_url(url_pattern("/messages/"))
    # Wider, both panes side by side, and no back link.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/messages/{conversation.pk}/")
    expect(page.locator("#dm-list")).to_be_visible()
    expect(page.get_by_role("link", name="Back to conversations")).to_be_hidden()
    open_page.watch.assert_clean()


def test_older_messages_loaded_above_get_their_day_separator_and_groups(open_page, anna, ben, conversation):
    """The page loads older messages above: they get the same layout, one separator per day
    (never the same day twice) and their sender's groups."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.messaging.models import Message
    from apps.messaging.selectors import PAGE_SIZE
    from apps.messaging.services import message_send

    # Yesterday at noon: three minutes from "now minus a day" crossed midnight when CI ran at
    # 23:59, and put the first older message on another day than the next two.
    yesterday = (timezone.localtime() - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    older = [message_send(actor=ben, conversation=conversation, body=f"older {n}")[0] for n in range(3)]
    for n, message in enumerate(older):
        Message.objects.filter(pk=message.pk).update(created_at=yesterday + timedelta(minutes=n))
    for n in range(PAGE_SIZE):
        message_send(actor=anna if n % 2 else ben, conversation=conversation, body=f"today {n}")
    page = _person(open_page, anna)
    _open_conversation(page, conversation, BEN)
    separators = page.locator("#dm-messages > li.dm-day")
    expect(separators).to_have_text(["Today"])
    page.get_by_role("button", name="Earlier messages").click()
    expect(_messages(page)).to_have_count(PAGE_SIZE + 3)
    expect(separators).to_have_text(["Yesterday", "Today"])
    expect(page.locator(f"#m{older[0].pk}")).not_to_have_class(re.compile(r"\bdm-continued\b"))
    expect(page.locator(f"#m{older[1].pk}")).to_have_class(re.compile(r"\bdm-continued\b"))
    open_page.watch.assert_clean()
