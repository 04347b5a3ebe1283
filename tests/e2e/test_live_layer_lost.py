"""Open pages notice a lost live layer and catch up once Redis returns.

The web and live processes as `make run` starts them, on a Redis of the test's own, and a
real Chromium holding Bob's conversation page and his community's feed, their sockets on the
live process. Redis hangs (SIGSTOP) or dies (SIGKILL, then starts again empty on the same
port). While it is away, Alice writes through the web process: messages, an edit, a
deletion and a read receipt in the conversation, a post, an edit and a deletion in the
feed; Chloé sends Bob a message elsewhere, and Bob gets a notification. Every live event of
these is lost.

What is asserted:
- within HEARTBEAT_SECONDS + ANSWER_SECONDS (and a second) of the fault, both pages say the
  layer is lost (body[data-live] = "lost"), and neither says "connected" again until Redis
  is back (every change of data-live is recorded in the page);
- within CATCH_UP_SECONDS of Redis's return, the conversation shows each new message
  exactly once, the edit, the deletion and "Seen by" Alice under Bob's message; the feed
  shows the new posts' banner, the edit, not the deleted post; the "Messages" count and the
  bell show Chloé's message and the notification; the pages were not reloaded;
- two seconds later, still each message once (an event held in a hung Redis's buffer is
  delivered late, after the page caught up).
Before the live process's layer watch, the pages said "connected" throughout and showed
none of it (the feed's banner came with the next post heard)."""

import time
import uuid

import pytest
from django.conf import settings

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from apps.feeds.services import post_create
from apps.messaging.services import conversation_direct_open, message_send
from apps.notifications.models import Kind, Notification
from apps.realtime import layer_watch
from tests.e2e.pages import employee
from tests.faults.stack import AppProcess, dedicated_redis, post_form, signed_in_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# From Redis's return to the pages showing all they missed: the live process notices within
# RETRY_SECONDS, the pages reconnect within 2 s (spread) and fetch what they missed.
CATCH_UP_SECONDS = 15
TOLD_WITHIN = layer_watch.HEARTBEAT_SECONDS + layer_watch.ANSWER_SECONDS + 1
WRITE_TIMEOUT = 60  # the writes must succeed during the outage; how fast is not this test's
# Every change of body[data-live], with the wall clock (ms), from the page's first moment.
RECORD_LIVE_STATES = """
window.__liveStates = [];
window.__samePage = true;
document.addEventListener("DOMContentLoaded", function () {
  new MutationObserver(function () {
    window.__liveStates.push([Date.now(), document.body.dataset.live || ""]);
  }).observe(document.body, { attributes: true, attributeFilter: ["data-live"] });
});
"""


class Servers:
    """Web and live processes on one Redis, the pages from the web process, their socket
    on the live process (LIVE_URL), as `make run` deploys them."""

    def __init__(self, redis_url: str, directory, layer: str):
        env = {"CHANNEL_LAYER": layer}
        self.live = AppProcess("live", redis_url, directory / "live.log", dict(env))
        self.web = AppProcess(
            "web", redis_url, directory / "web.log", {**env, "LIVE_URL": f"ws://127.0.0.1:{self.live.port}/ws/"}
        )
        self.live.env["SITE_URL"] = self.web.base  # the pages' origin, which the socket accepts

    def __enter__(self):
        self.live.start()
        self.web.start()
        return self

    def __exit__(self, kind, error, traceback):
        self.web.stop()
        self.live.stop()
        if error is not None:
            print(f"\n--- web log:\n{self.web.log()[-1500:]}\n--- live log:\n{self.live.log()[-3000:]}")


class World:
    """Bob reads; Alice and Chloé write."""

    def __init__(self):
        self.alice = employee("Alice", "Moreau", "alice.moreau@example.com", "Platform Lead")
        self.bob = employee("Bob", "Martin", "bob.martin@example.com", "Site Reliability Engineer")
        self.chloe = employee("Chloé", "Dumas", "chloe.dumas@example.com", "Product Designer")
        self.community = community_create(actor=self.alice, name=f"Outage {uuid.uuid4().hex[:6]}")
        for user in (self.bob, self.chloe):
            Membership.objects.create(community=self.community, user=user, role=Role.MEMBER, state=State.ACTIVE)
        self.post_edited = post_create(actor=self.alice, community=self.community, body="The freeze starts Monday.")
        self.post_deleted = post_create(actor=self.alice, community=self.community, body="Lunch at noon.")
        self.conversation = conversation_direct_open(actor=self.alice, other=self.bob)
        self.edited, _ = message_send(actor=self.alice, conversation=self.conversation, body="Tomorrow at 9.")
        self.deleted, _ = message_send(actor=self.alice, conversation=self.conversation, body="Wrong channel.")
        # The last one, not read by Alice yet: no "Seen by" on Bob's page until she reads it.
        self.bobs, _ = message_send(actor=self.bob, conversation=self.conversation, body="Is the release on?")
        self.elsewhere = conversation_direct_open(actor=self.chloe, other=self.bob)


def _bob_pages(browser, web_base: str, world: World):
    session = signed_in_as(web_base, world.bob)
    context = browser.new_context(base_url=web_base, locale="en-US")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME],
                "url": web_base,
            }
        ]
    )
    context.add_init_script(RECORD_LIVE_STATES)
    errors = []
    conversation, feed = context.new_page(), context.new_page()
    for page in (conversation, feed):
        page.on("pageerror", lambda error: errors.append(str(error)))
    conversation.goto(f"/messages/{world.conversation.pk}/")
    feed.goto(f"/communities/{world.community.slug}/")
    return context, conversation, feed, errors


def _live_state(page) -> str:
    return page.evaluate("document.body.dataset.live || ''")


def _wait(condition, seconds: float, what: str) -> float:
    """Polls `condition` until true; returns when (time.time()). Fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return time.time()
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}", pytrace=False)
        time.sleep(0.1)


def _alice_writes(web_base: str, world: World) -> list[str]:
    """Everything written while Redis is away, through the web process. Returns the new
    messages' texts."""
    alice, chloe = signed_in_as(web_base, world.alice), signed_in_as(web_base, world.chloe)
    texts = [f"Outage message {n} {uuid.uuid4().hex[:6]}" for n in range(1, 4)]
    conversation = f"{web_base}/messages/{world.conversation.pk}"
    for text in texts:
        sent = post_form(alice, f"{conversation}/send/", {"body": text, "client_id": str(uuid.uuid4())},
                         timeout=WRITE_TIMEOUT, **{"X-Requested-With": "fetch"})  # fmt: skip
        assert sent.status_code == 200, sent.status_code
    writes = [
        (alice, f"{web_base}/messages/m/{world.edited.pk}/edit/", {"body": "Tomorrow at 10, not 9."}),
        (alice, f"{web_base}/messages/m/{world.deleted.pk}/delete/", {}),
        (alice, f"{conversation}/read/", {"message": str(world.bobs.pk)}),
        (
            alice,
            f"{web_base}/posts/new/",
            {"kind": "post", "body": "Posted meanwhile.", "community": world.community.slug},
        ),
        (alice, f"{web_base}/posts/{world.post_edited.pk}/edit/", {"body": "The freeze starts Tuesday."}),
        (alice, f"{web_base}/posts/{world.post_deleted.pk}/delete/", {}),
        (chloe, f"{web_base}/messages/{world.elsewhere.pk}/send/", {"body": "Got a minute?"}),
    ]
    for session, url, data in writes:
        answer = post_form(session, url, data, timeout=WRITE_TIMEOUT)
        assert answer.status_code in (200, 302), (url, answer.status_code)
    # The bell's event is lost too.
    Notification.objects.create(
        recipient=world.bob, kind=Kind.MENTION, target=f"post:{world.post_edited.pk}", post=world.post_edited,
        actor_ids=[world.alice.pk],
    )  # fmt: skip
    return texts


def _conversation_caught_up(page, world: World, texts: list[str]) -> bool:
    return page.evaluate(
        """([texts, edited, deleted, bobs]) => {
          const rows = Array.from(document.querySelectorAll("#dm-messages > li[data-message]"));
          const ids = rows.map((row) => row.dataset.message);
          if (new Set(ids).size !== ids.length) { return false; }
          const once = texts.every((text) => rows.filter((row) => row.textContent.includes(text)).length === 1);
          const edit = document.querySelector("#m" + edited + " .dm-body");
          const seen = document.querySelector("#m" + bobs + " .dm-seen");
          return once && !!edit && edit.textContent.includes("Tomorrow at 10, not 9.") &&
            !!document.querySelector("#m" + deleted + " .dm-deleted") &&
            !!seen && !seen.hidden && seen.textContent.includes("Seen by");
        }""",
        [texts, world.edited.pk, world.deleted.pk, world.bobs.pk],
    )


def _feed_caught_up(page, world: World) -> bool:
    return page.evaluate(
        """([edited, deleted]) => {
          const banner = document.getElementById("new-posts");
          const edit = document.querySelector("#post-" + edited + " .post-body");
          const badge = document.getElementById("messages-count");
          const bell = document.getElementById("notification-count");
          return !!banner && !banner.hidden && banner.textContent.trim() === "1 new post" &&
            !!edit && edit.textContent.includes("The freeze starts Tuesday.") &&
            !document.getElementById("post-" + deleted) &&
            !!badge && !badge.hidden && badge.textContent.trim() === "1" &&
            !!bell && !bell.hidden && bell.textContent.trim() === "1";
        }""",
        [world.post_edited.pk, world.post_deleted.pk],
    )


def _each_message_once(page, texts: list[str]) -> bool:
    return page.evaluate(
        """(texts) => {
          const rows = Array.from(document.querySelectorAll("#dm-messages > li[data-message]"));
          return texts.every((text) => rows.filter((row) => row.textContent.includes(text)).length === 1);
        }""",
        texts,
    )


@pytest.mark.parametrize(
    ("layer", "fault"),
    [("pubsub", "pause"), ("pubsub", "kill"), ("redis", "kill")],
    ids=["pubsub-hang", "pubsub-death", "lists-death"],
)
def test_open_pages_say_the_live_layer_is_lost_and_catch_up_once_redis_returns(browser, tmp_path, layer, fault):
    world = World()
    with dedicated_redis() as redis_server, Servers(redis_server.url, tmp_path, layer) as servers:
        context, conversation, feed, errors = _bob_pages(browser, servers.web.base, world)
        try:
            for page in (conversation, feed):
                _wait(lambda page=page: _live_state(page) == "connected", 15, "the pages connected")
            assert conversation.locator(f"#m{world.bobs.pk} .dm-seen").is_hidden()

            broke_at = time.time()
            redis_server.pause() if fault == "pause" else redis_server.kill()
            for page in (conversation, feed):
                told = _wait(lambda page=page: _live_state(page) == "lost", TOLD_WITHIN + 2, "the pages told")
                assert told - broke_at < TOLD_WITHIN, f"told after {told - broke_at:.1f} s"

            texts = _alice_writes(servers.web.base, world)

            back_at = time.time()
            redis_server.resume() if fault == "pause" else redis_server.start()
            done = [
                _wait(lambda: _conversation_caught_up(conversation, world, texts), CATCH_UP_SECONDS,
                      "the conversation caught up"),
                _wait(lambda: _feed_caught_up(feed, world), CATCH_UP_SECONDS, "the feed caught up"),
            ]  # fmt: skip
            print(f"\n{layer}/{fault}: caught up {max(done) - back_at:.1f} s after Redis returned")

            time.sleep(2)  # late events (a hung Redis delivers what it had read) double nothing
            assert _each_message_once(conversation, texts)
            for page in (conversation, feed):
                assert _live_state(page) == "connected"
                assert page.evaluate("window.__samePage === true"), "the page was reloaded"
                states = page.evaluate("window.__liveStates")
                lost_at = next(at for at, state in states if state == "lost")
                claimed = [state for at, state in states if lost_at <= at / 1000 * 1000 and at < back_at * 1000]
                assert "connected" not in claimed, states
            assert errors == []
        finally:
            context.close()
