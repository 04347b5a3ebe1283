"""Live updates in a real Chromium, through the real ASGI application (uvicorn, the /ws/
socket, the Redis channel layer) and a real Celery worker: what one person does appears on
another person's open page without a reload: the "new posts" banner, the bell, the counts."""

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from apps.feeds.services import post_create
from apps.notifications.selectors import unread_count
from tests.e2e.conftest import EXPECT_TIMEOUT_MS, REPO_ROOT, SCREENSHOT_DIR
from tests.e2e.pages import employee
from tests.e2e.pages import sign_in as _sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

COMMUNITY = "Orbit Platform Team"
# Set on window before the other person acts: still there afterwards means no reload.
MARK_PAGE = "window.__samePage = true"
SAME_PAGE = "window.__samePage === true"
# What arrives through the socket, then the worker, then the socket again, may take longer
# than a click's answer: still well under the test's budget.
LIVE_TIMEOUT_MS = 10_000


class Watch:
    """Script errors and console errors of the pages it watches. Here the socket works:
    unlike under live_server, a failed WebSocket handshake is an error like any other."""

    def __init__(self):
        self.console, self.script = [], []

    def page(self, page):
        def on_console(message):
            if message.type == "error":
                self.console.append((message.text, urlsplit(message.location.get("url") or "").path))

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.script.append(str(error)))
        return page

    def assert_clean(self):
        assert self.script == []
        assert self.console == []


@pytest.fixture
def open_page(request, browser, asgi_live_server):
    """open_page() -> a page in a browser context of its own (one person, signed in apart),
    on the ASGI live server. The contexts close before the server stops."""
    pages = []
    watch = Watch()

    def open_():
        context = browser.new_context(base_url=asgi_live_server.url, locale="en-US")
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        context.set_default_navigation_timeout(10_000)
        page = watch.page(context.new_page())
        pages.append(page)
        return page

    open_.watch = watch
    yield open_
    call = getattr(request.node, "rep_call", None)
    for number, page in enumerate(pages, start=1):
        if call is not None and call.failed:
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            path = SCREENSHOT_DIR / f"{name}-{number}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                print(f"\nscreenshot saved: {path.relative_to(REPO_ROOT)}")
            except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test failure
                print(f"\nscreenshot failed: {error}")
        page.context.close()


@pytest.fixture
def alice(transactional_db):
    return employee("Alice", "Moreau", "alice.moreau@example.com", "Platform Lead")


@pytest.fixture
def bob(transactional_db):
    return employee("Bob", "Martin", "bob.martin@example.com", "Site Reliability Engineer")


@pytest.fixture
def chloe(transactional_db):
    return employee("Chloé", "Dumas", "chloe.dumas@example.com", "Product Designer")


@pytest.fixture
def community(alice, bob, chloe):
    """Public, owned by Alice; Bob and Chloé are members."""
    community = community_create(actor=alice, name=COMMUNITY)
    for user in (bob, chloe):
        Membership.objects.create(community=community, user=user, role=Role.MEMBER, state=State.ACTIVE)
    return community


def _open_live(page, community):
    """The community's page, its socket connected (and so subscribed to its groups)."""
    page.goto(f"/communities/{community.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(community.name)
    expect(page.locator("body")).to_have_attribute("data-live", "connected")


def _cards(page):
    return page.locator("#feed-items article.post")


def _bell(page):
    return page.locator(".bell #notification-count")


def _mention(field, letters, person_name):
    """Types @ + letters in a [data-mentions] field and picks the person in the list shown."""
    field.press_sequentially(f"@{letters}")
    options = field.locator("xpath=following-sibling::*[1][contains(@class, 'mention-list')]")
    option = options.get_by_role("option", name=re.compile(rf"^{re.escape(person_name)}\b"))
    expect(option).to_have_count(1)
    option.click()
    expect(options).to_be_hidden()


def _wait_for(condition, what, timeout=LIVE_TIMEOUT_MS / 1000):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}", pytrace=False)
        time.sleep(0.05)


def test_mention_shows_new_post_banner_and_bell_without_reload(open_page, celery_worker, community, alice, bob):
    older = post_create(actor=alice, community=community, body="Yesterday's stand-up notes.")
    watch = open_page.watch

    reader = open_page()
    _sign_in(reader, bob.email, PASSWORD)
    _open_live(reader, community)
    expect(_cards(reader)).to_have_count(1)
    banner = reader.locator("#new-posts")
    expect(banner).to_be_hidden()
    # The greeting said 0: the badge stays hidden.
    expect(_bell(reader)).to_be_hidden()
    reader.evaluate(MARK_PAGE)

    author = open_page()
    _sign_in(author, alice.email, PASSWORD)
    _open_live(author, community)
    composer = author.locator("form#composer")
    body = composer.get_by_label(f"Post in {COMMUNITY}")
    body.fill("The staging cluster moves on Friday, ")
    _mention(body, "Bob", "Bob Martin")
    expect(body).to_have_value("The staging cluster moves on Friday, @bob.martin ")
    body.press_sequentially("can you check the alerts?")
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(_cards(author)).to_have_count(2)
    expect(_cards(author).first).to_contain_text("can you check the alerts?")

    # Bob's page learns of the post from its socket and asks how many are new.
    expect(banner).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(banner).to_have_text("1 new post")
    expect(_cards(reader)).to_have_count(1)
    # The mention reaches Bob's bell through the worker.
    expect(_bell(reader)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(_bell(reader)).to_have_text("1")
    expect(reader.locator(".bell")).to_have_attribute("data-unread", "1")
    expect(reader).to_have_title(re.compile(r"^\(1\) "))

    banner.click()
    cards = _cards(reader)
    expect(cards).to_have_count(2)
    expect(banner).to_be_hidden()
    new = cards.first
    expect(new).to_contain_text("Alice Moreau")
    expect(new).to_contain_text("The staging cluster moves on Friday")
    expect(new.locator(".post-body a.mention")).to_have_text("@Bob Martin")
    expect(cards.nth(1)).to_have_attribute("id", f"post-{older.pk}")
    post_id = new.get_attribute("data-post")
    expect(new).to_have_attribute("id", f"post-{post_id}")
    assert reader.evaluate(SAME_PAGE), "Bob's page was reloaded"

    # Alice's own post does not announce itself to her; she is not notified of it.
    expect(author.locator("#new-posts")).to_be_hidden()
    expect(_bell(author)).to_be_hidden()
    watch.assert_clean()


def test_comment_on_my_post_updates_its_count_and_my_bell_in_place(
    open_page, celery_worker, community, alice, bob, chloe
):
    mine = post_create(actor=bob, community=community, body="Runbook for the certificate renewal is up.")
    # An unread notification from before: the socket's greeting shows it on the bell.
    post_create(actor=chloe, community=community, body="@bob.martin the on-call rota is in the wiki.")
    _wait_for(lambda: unread_count(viewer=bob) == 1, "the worker to notify Bob of Chloé's mention")
    watch = open_page.watch

    reader = open_page()
    _sign_in(reader, bob.email, PASSWORD)
    _open_live(reader, community)
    expect(_bell(reader)).to_have_text("1")
    expect(_bell(reader)).to_be_visible()
    count = reader.locator(f"#comment-count-{mine.pk}")
    expect(count).to_have_text(re.compile(r"\b0 comments$"))
    reader.evaluate(MARK_PAGE)

    author = open_page()
    _sign_in(author, alice.email, PASSWORD)
    _open_live(author, community)
    card = author.locator(f"#post-{mine.pk}")
    card.get_by_role("link", name=re.compile(r"0 comments$")).click()
    card.get_by_label("Your comment").fill("Thanks! I added the renewal date to the calendar.")
    card.get_by_role("button", name="Comment", exact=True).click()
    expect(card.locator(".comment-list .comment")).to_have_count(1)

    expect(count).to_have_text(re.compile(r"\b1 comment$"), timeout=LIVE_TIMEOUT_MS)
    expect(_bell(reader)).to_have_text("2", timeout=LIVE_TIMEOUT_MS)
    expect(reader).to_have_title(re.compile(r"^\(2\) "))
    # Only the count changed: no banner (no new post), no reload.
    expect(reader.locator("#new-posts")).to_be_hidden()
    assert reader.evaluate(SAME_PAGE), "Bob's page was reloaded"
    watch.assert_clean()


def test_after_a_disconnect_the_page_catches_up_with_what_it_missed(open_page, community, alice, bob):
    """The socket drops (a restart, the network); a post is made meanwhile, whose event
    nobody on Bob's page heard; when the page has reconnected, it asks what it missed."""
    post_create(actor=alice, community=community, body="Before the outage.")
    links = {"down": False, "open": []}

    def route(socket):
        if links["down"]:
            socket.close(code=1013)  # "try again later", as a restarting server says
            return
        socket.connect_to_server()
        links["open"].append(socket)

    reader = open_page()
    reader.route_web_socket(re.compile(r"/ws/$"), route)
    _sign_in(reader, bob.email, PASSWORD)
    _open_live(reader, community)
    reader.evaluate(MARK_PAGE)

    links["down"] = True
    for socket in links["open"]:
        socket.close(code=1012)  # "service restart"
    expect(reader.locator("body")).to_have_attribute("data-live", "disconnected")
    post_create(actor=alice, community=community, body="Posted while Bob was away.")
    links["down"] = False

    expect(reader.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)
    banner = reader.locator("#new-posts")
    expect(banner).to_have_text("1 new post", timeout=LIVE_TIMEOUT_MS)
    banner.click()
    expect(_cards(reader).first).to_contain_text("Posted while Bob was away.")
    assert reader.evaluate(SAME_PAGE), "Bob's page was reloaded"


def test_the_pages_reach_the_live_process_on_its_own_port(
    live_process, asgi_live_server, open_page, community, alice, bob
):
    """As `make run` deploys it: pages from the web process, their socket on the live
    process's port. The browser sends the session cookie there, the CSP lets it connect,
    and the socket accepts the pages' origin (SITE_URL's, as `make run` derives it)."""
    from django.conf import settings
    from django.test import override_settings

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    policy = {"DIRECTIVES": {**directives, "connect-src": ["'self'", live_process.removesuffix("/ws/")]}}
    with override_settings(LIVE_URL=live_process, CONTENT_SECURITY_POLICY=policy, SITE_URL=asgi_live_server.url):
        reader = open_page()
        _sign_in(reader, bob.email, PASSWORD)
        _open_live(reader, community)
        assert reader.evaluate("document.body.dataset.liveUrl") == live_process
        reader.evaluate(MARK_PAGE)

        post_create(actor=alice, community=community, body="Served from the other port.")

        banner = reader.locator("#new-posts")
        expect(banner).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        expect(banner).to_have_text("1 new post")
        assert reader.evaluate(SAME_PAGE)
    open_page.watch.assert_clean()


class Outage:
    """The page's socket, dropped and refused on demand (as a restarting live process does),
    then let through again."""

    def __init__(self, page):
        self.down, self.open = False, []
        page.route_web_socket(re.compile(r"/ws/$"), self._route)

    def _route(self, socket):
        if self.down:
            socket.close(code=1013)  # "try again later"
            return
        socket.connect_to_server()
        self.open.append(socket)

    def start(self, page):
        self.down = True
        for socket in self.open:
            socket.close(code=1012)  # "service restart"
        expect(page.locator("body")).to_have_attribute("data-live", "disconnected")

    def end(self, page):
        self.down = False
        expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)


class SilentDrop:
    """The page's socket stays open, but nothing crosses it any more, either way: a laptop
    asleep, a network gone quiet. The browser sees no close event for minutes."""

    def __init__(self, page):
        self.open, self.silenced = [], set()
        page.route_web_socket(re.compile(r"/ws/$"), self._route)

    def _route(self, socket):
        server = socket.connect_to_server()
        self.open.append(socket)
        socket.on_message(lambda message: None if id(socket) in self.silenced else server.send(message))
        server.on_message(lambda message: None if id(socket) in self.silenced else socket.send(message))

    def start(self):
        self.silenced.update(id(socket) for socket in self.open)


def test_a_socket_gone_silent_is_replaced_and_the_page_catches_up(open_page, community, alice, bob):
    """The time away is counted from the last word the page heard, not from a close event
    that never comes: two minutes with no answer to its pings, the page opens another socket
    and catches up with the edits and deletions made meanwhile."""
    from apps.feeds.services import post_delete, post_update

    doomed = post_create(actor=alice, community=community, body="Draft: ignore this post.")
    edited = post_create(actor=alice, community=community, body="The freeze starts Monday.")
    reader = open_page()
    reader.clock.install()
    drop = SilentDrop(reader)
    _sign_in(reader, bob.email, PASSWORD)
    _open_live(reader, community)
    expect(_cards(reader)).to_have_count(2)
    reader.evaluate(MARK_PAGE)

    drop.start()
    sockets = len(drop.open)
    post_update(actor=alice, post=edited, body="The freeze starts Tuesday.")
    post_delete(actor=alice, post=doomed)
    time.sleep(0.5)
    expect(reader.locator(f"#post-{edited.pk} .post-body")).to_have_text("The freeze starts Monday.")
    reader.clock.fast_forward("02:00")  # the machine slept two minutes

    expect(reader.locator(f"#post-{edited.pk} .post-body")).to_have_text(
        "The freeze starts Tuesday.", timeout=LIVE_TIMEOUT_MS
    )
    expect(reader.locator(f"#post-{doomed.pk}")).to_have_count(0)
    expect(reader.locator("body")).to_have_attribute("data-live", "connected")
    assert len(drop.open) == sockets + 1  # a new socket, the silent one given up
    assert reader.evaluate(SAME_PAGE), "Bob's page was reloaded"
    open_page.watch.assert_clean()


def test_after_a_disconnect_edits_and_deletions_show(open_page, community, alice, bob):
    """Posts and comments edited, deleted or reacted to while Bob's page was not listening:
    when it has reconnected, the page shows them as they are now, without a reload."""
    from apps.feeds.services import (
        comment_create,
        comment_delete,
        comment_update,
        post_delete,
        post_update,
        reaction_set,
    )

    discussed = post_create(actor=alice, community=community, body="Which runbook format?")
    kept, changed, removed = (
        comment_create(actor=alice, post=discussed, body=text)
        for text in ("Markdown, please.", "YAML is fine.", "I would rather not say.")
    )
    doomed = post_create(actor=alice, community=community, body="Draft: ignore this post.")
    edited = post_create(actor=alice, community=community, body="The freeze starts Monday.")
    watch = open_page.watch

    reader = open_page()
    outage = Outage(reader)
    _sign_in(reader, bob.email, PASSWORD)
    _open_live(reader, community)
    expect(_cards(reader)).to_have_count(3)
    thread = reader.locator(f"#post-{discussed.pk}")
    thread.get_by_role("link", name=re.compile(r"3 comments$")).click()
    expect(thread.locator(".comment-list .comment")).to_have_count(3)
    reader.locator(f"#comment-body-{discussed.pk}").fill("Typed while offline")
    reader.evaluate(MARK_PAGE)

    outage.start(reader)
    post_update(actor=alice, post=edited, body="The freeze starts Tuesday.")
    post_delete(actor=alice, post=doomed)
    reaction_set(actor=alice, post=discussed, kind="celebrate")
    comment_update(actor=alice, comment=changed, body="YAML is fine, with comments.")
    comment_delete(actor=alice, comment=removed)
    outage.end(reader)

    expect(reader.locator(f"#post-{edited.pk} .post-body")).to_have_text(
        "The freeze starts Tuesday.", timeout=LIVE_TIMEOUT_MS
    )
    expect(reader.locator(f"#post-{doomed.pk}")).to_have_count(0)
    expect(_cards(reader)).to_have_count(2)
    expect(thread.locator(f"#reactions-p{discussed.pk}")).to_contain_text("1")
    expect(thread.locator(f"#comment-{changed.pk}")).to_contain_text("YAML is fine, with comments.")
    expect(thread.locator(f"#comment-{removed.pk}")).to_have_count(0)
    expect(thread.locator(f"#comment-{kept.pk}")).to_contain_text("Markdown, please.")
    expect(thread.locator(f"#comment-count-{discussed.pk}")).to_have_text(re.compile(r"\b2 comments$"))
    # The comment thread stayed open, with what Bob was typing.
    expect(reader.locator(f"#comment-body-{discussed.pk}")).to_have_value("Typed while offline")

    # Connected again, the next edit and deletion of a comment show as they happen.
    comment_update(actor=alice, comment=kept, body="Markdown, please, with front matter.")
    expect(thread.locator(f"#comment-{kept.pk}")).to_contain_text("with front matter", timeout=LIVE_TIMEOUT_MS)
    comment_delete(actor=alice, comment=changed)
    expect(thread.locator(f"#comment-{changed.pk}")).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    expect(thread.locator(".comment-list .comment")).to_have_count(1)
    assert reader.evaluate(SAME_PAGE), "Bob's page was reloaded"
    watch.assert_clean()


def test_after_a_disconnect_a_post_page_shows_its_edit_and_its_comments(open_page, community, alice, bob):
    """The same on a post's own page (its comments shown below it)."""
    from apps.feeds.services import comment_create, comment_delete, comment_update, post_update

    post = post_create(actor=alice, community=community, body="Retro notes are up.")
    changed = comment_create(actor=alice, post=post, body="Thanks!")
    removed = comment_create(actor=alice, post=post, body="Wrong thread, sorry.")

    reader = open_page()
    outage = Outage(reader)
    _sign_in(reader, bob.email, PASSWORD)
    reader.goto(f"/posts/{post.pk}/")
    expect(reader.locator("body")).to_have_attribute("data-live", "connected")
    expect(reader.locator(".comment-list .comment")).to_have_count(2)
    reader.evaluate(MARK_PAGE)

    outage.start(reader)
    post_update(actor=alice, post=post, body="Retro notes are up, with the actions.")
    comment_update(actor=alice, comment=changed, body="Thanks, very useful!")
    comment_delete(actor=alice, comment=removed)
    outage.end(reader)

    expect(reader.locator(f"#post-{post.pk} .post-body")).to_have_text(
        "Retro notes are up, with the actions.", timeout=LIVE_TIMEOUT_MS
    )
    expect(reader.locator(f"#comment-{changed.pk}")).to_contain_text("Thanks, very useful!")
    expect(reader.locator(f"#comment-{removed.pk}")).to_have_count(0)
    expect(reader.locator(f"#comment-count-{post.pk}")).to_have_text(re.compile(r"\b1 comment$"))
    # Still the post's page: its comment count is a link, not a loader.
    expect(reader.locator(f"#comment-count-{post.pk}")).not_to_have_attribute("hx-get", re.compile(".*"))
    assert reader.evaluate(SAME_PAGE), "Bob's page was reloaded"
    open_page.watch.assert_clean()
