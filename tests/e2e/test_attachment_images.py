"""Images too large to decode during the request, in a real Chromium through the real ASGI
application and socket: a placeholder shows at once, and the picture replaces it, without a
reload, when the worker has re-encoded it: in a feed, on the post's own page, in a
conversation."""

import re

import pytest
from playwright.sync_api import expect

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from apps.feeds import tasks
from apps.feeds.models import Attachment
from apps.feeds.services import post_create
from apps.messaging import services as messaging
from apps.messaging import tasks as messaging_tasks
from apps.messaging.models import MessageAttachment
from tests.e2e import test_live
from tests.e2e.pages import sign_in as _sign_in
from tests.factories import PASSWORD
from tests.image_files import huge_png

pytestmark = pytest.mark.e2e

MARK_PAGE, SAME_PAGE, LIVE_TIMEOUT_MS = test_live.MARK_PAGE, test_live.SAME_PAGE, test_live.LIVE_TIMEOUT_MS
# The live tests' fixtures: a browser context per person on the ASGI live server, watched for
# script and console errors (a CSP violation is one), screenshots on failure.
open_page, alice, bob = test_live.open_page, test_live.alice, test_live.bob


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def community(alice, bob):
    community = community_create(actor=alice, name="Poster Club")
    Membership.objects.create(community=community, user=bob, role=Role.MEMBER, state=State.ACTIVE)
    return community


def _connected(page):
    expect(page.locator("body")).to_have_attribute("data-live", "connected")


def test_a_posted_image_shows_in_the_feed_and_on_its_page_once_ready(open_page, community, alice, bob):
    post = post_create(actor=alice, community=community, body="The new poster", uploads=[huge_png()])
    attachment = Attachment.objects.get(post=post)
    thumbnail = re.compile(rf"/attachments/{attachment.pk}/thumbnail/$")

    feed, own_page = open_page(), open_page()
    for page, path in ((feed, f"/communities/{community.slug}/"), (own_page, f"/posts/{post.pk}/")):
        _sign_in(page, bob.email, PASSWORD)
        page.goto(path)
        _connected(page)
        card = page.locator(f"#post-{post.pk}")
        expect(card.locator(".image-pending")).to_have_text("Preparing the image…")
        expect(card.locator("img[src*='/thumbnail/']")).to_have_count(0)
        page.evaluate(MARK_PAGE)

    assert tasks.process_attachment(attachment.pk) == "ready"  # as the worker would

    for page in (feed, own_page):
        image = page.locator(f"#post-{post.pk} .post-images img")
        expect(image).to_have_attribute("src", thumbnail, timeout=LIVE_TIMEOUT_MS)
        expect(page.locator(f"#post-{post.pk} .image-pending")).to_have_count(0)
        expect(image).to_have_js_property("naturalWidth", 640)
        assert page.evaluate(SAME_PAGE), "the page was reloaded"
    open_page.watch.assert_clean()


def test_a_messaged_image_shows_in_the_conversation_once_ready(open_page, alice, bob):
    conversation = messaging.conversation_direct_open(actor=alice, other=bob)
    message, _made = messaging.message_send(actor=alice, conversation=conversation, body="", uploads=[huge_png()])
    attachment = MessageAttachment.objects.get(message=message)

    page = open_page()
    _sign_in(page, bob.email, PASSWORD)
    page.goto(f"/messages/{conversation.pk}/")
    _connected(page)
    expect(page.locator(f"#m{message.pk} .image-pending")).to_have_text("Preparing the image…")
    page.evaluate(MARK_PAGE)

    assert messaging_tasks.process_attachment(attachment.pk) == "ready"

    image = page.locator(f"#m{message.pk} .dm-image img")
    expect(image).to_have_js_property("naturalWidth", 640, timeout=LIVE_TIMEOUT_MS)
    expect(page.locator(f"#m{message.pk} .image-pending")).to_have_count(0)
    assert page.evaluate(SAME_PAGE), "the page was reloaded"
    open_page.watch.assert_clean()
