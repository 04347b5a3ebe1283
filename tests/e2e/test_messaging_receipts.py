"""Read receipts in a real Chromium, in a group where someone was away: "Seen by" them never
shows under a message sent while they were out, neither when the page opens nor when they
read or write live (the page places a receipt under the last of the others' messages up to
the position it is given, so the position must be one both people read)."""

import pytest
from playwright.sync_api import expect

from apps.messaging import services
from apps.messaging.models import SharedHistory
from tests.e2e import test_live
from tests.e2e.pages import employee
from tests.e2e.pages import sign_in as _sign_in
from tests.e2e.test_live import LIVE_TIMEOUT_MS, MARK_PAGE, SAME_PAGE
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

open_page = test_live.open_page

BEN = "Ben Okafor"


@pytest.fixture
def people(transactional_db):
    return (
        employee("Anna", "Keller", "anna.keller@example.com", "Payments Product Manager"),
        employee("Ben", "Okafor", "ben.okafor@example.com", "Payments Backend Engineer"),
        employee("Chloe", "Petit", "chloe.petit@example.com", "Payments Designer"),
    )


def _person(open_page, user):
    page = open_page()
    _sign_in(page, user.email, PASSWORD)
    return page


def _open(page, group):
    page.goto(f"/messages/{group.pk}/")
    expect(page.locator("#dm-title")).to_have_text("Refunds")
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)


def test_seen_by_someone_back_never_sits_under_their_gap(open_page, people):
    watch = open_page.watch
    anna, ben, chloe = people
    group = services.conversation_group_create(actor=anna, name="Refunds", people=[ben, chloe])
    before, _ = services.message_send(actor=anna, conversation=group, body="Before Ben left")
    services.participant_remove(actor=anna, conversation=group, user=ben)
    gap, _ = services.message_send(actor=anna, conversation=group, body="While Ben is out")
    services.participants_add(actor=anna, conversation=group, people=[ben], history=SharedHistory.ALL)

    chloe_page = _person(open_page, chloe)
    _open(chloe_page, group)
    chloe_page.evaluate(MARK_PAGE)
    seen_before = chloe_page.locator(f"#m{before.pk} .dm-seen")
    seen_gap = chloe_page.locator(f"#m{gap.pk} .dm-seen")
    # As the page opens: Ben has read up to before he left.
    expect(seen_before).to_have_text(f"Seen by {BEN}")
    expect(seen_gap).to_be_hidden()

    # Ben opens the conversation (and so reads everything he reads), then writes.
    ben_page = _person(open_page, ben)
    _open(ben_page, group)
    expect(ben_page.locator(f"#m{gap.pk}")).to_have_count(0)
    body = ben_page.locator("#dm-body")
    body.fill("I'm back, what did I miss?")
    body.press("Enter")
    expect(chloe_page.locator("#dm-messages > li.dm[data-message]")).to_have_count(3, timeout=LIVE_TIMEOUT_MS)
    expect(chloe_page.locator("#dm-messages > li.dm[data-message]").nth(2).locator(".dm-body")).to_have_text(
        "I'm back, what did I miss?"
    )

    # Live, the receipt stayed where it was: under what he read, not under the gap.
    expect(seen_before).to_have_text(f"Seen by {BEN}")
    expect(seen_gap).to_be_hidden()
    expect(chloe_page.locator("#dm-messages .dm-seen:visible")).to_have_count(1)
    assert chloe_page.evaluate(SAME_PAGE), "Chloé's page was reloaded"
    watch.assert_clean()
