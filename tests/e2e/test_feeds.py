"""The feeds journeys in a real Chromium: posting with an image and an autocompleted mention,
reacting and commenting from a second browser, answering a poll, marking a best answer,
praising a colleague, and a draft that survives a failed submission."""

import re
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from apps.feeds.models import Kind
from apps.feeds.services import comment_create, post_create
from tests.e2e.conftest import EXPECT_TIMEOUT_MS
from tests.e2e.pages import WEBSOCKET_FAILURE, employee
from tests.e2e.pages import sign_in as _sign_in
from tests.e2e.pages import url_pattern as _url
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

COMMUNITY = "Orbit Platform Team"
# Set on window before an action: still there afterwards means the page was not reloaded.
MARK_PAGE = "window.__samePage = true"
SAME_PAGE = "window.__samePage === true"
# Logs what the CSP refuses (inline scripts and styles, eval, foreign images) as a console error.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Attachments stored by the live server go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def open_page(browser, live_server):
    """open_page() -> a page in a browser context of its own: a second person, signed in apart."""
    contexts = []

    def open_():
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        context.set_default_navigation_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


class Watch:
    """Script errors, console errors and CSP violations of the pages it watches."""

    def __init__(self):
        self.console, self.script = [], []

    def page(self, page):
        page.add_init_script(CSP_WATCH)

        def on_console(message):
            if message.type == "error":
                self.console.append((message.text, urlsplit(message.location.get("url") or "").path))

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.script.append(str(error)))
        return page

    def assert_clean(self, *, allowed=()):
        assert self.script == []
        unexpected = [
            (text, where)
            for text, where in self.console
            if not WEBSOCKET_FAILURE.match(text) and not any(pattern.search(text) for pattern in allowed)
        ]
        assert unexpected == []


@pytest.fixture
def watch():
    return Watch()


@pytest.fixture
def alice(db):
    return employee("Alice", "Moreau", "alice.moreau@example.com", "Platform Lead")


@pytest.fixture
def bruno(db):
    return employee("Bruno", "Keller", "bruno.keller@example.com", "Site Reliability Engineer")


@pytest.fixture
def chloe(db):
    return employee("Chloé", "Dumas", "chloe.dumas@example.com", "Product Designer")


@pytest.fixture
def community(alice, bruno, chloe):
    """Public, owned by Alice; Bruno and Chloé are members."""
    community = community_create(actor=alice, name=COMMUNITY)
    for user in (bruno, chloe):
        Membership.objects.create(community=community, user=user, role=Role.MEMBER, state=State.ACTIVE)
    return community


def _open_community(page, community):
    page.goto(f"/communities/{community.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(community.name)


def _composer(page):
    return page.locator("form#composer")


def _cards(page):
    return page.locator("#feed-items article.post")


def _png(path, size=(320, 200), *, noise=False):
    # Noise does not compress: a PNG of a known, large size.
    image = Image.effect_noise(size, 64).convert("RGB") if noise else Image.new("RGB", size, (30, 120, 200))
    image.save(path, "PNG")
    return path


def _mention(field, letters, person_name, *, keyboard=False):
    """Types @ + letters in a [data-mentions] field and picks the person in the list shown
    under it, with the mouse or with the keyboard."""
    field.press_sequentially(f"@{letters}")
    options = field.locator("xpath=following-sibling::*[1][contains(@class, 'mention-list')]")
    expect(options).to_be_visible()
    option = options.get_by_role("option", name=re.compile(rf"^{re.escape(person_name)}\b"))
    expect(option).to_have_count(1)
    if keyboard:
        field.press("ArrowDown")
        expect(option).to_be_focused()
        option.press("Enter")
        expect(field).to_be_focused()
    else:
        option.click()
    expect(options).to_be_hidden()


def test_post_with_image_and_mention_appears_at_the_top(page, watch, community, bruno, chloe, tmp_path):
    older = post_create(actor=bruno, community=community, body="Yesterday's stand-up notes.")
    watch.page(page)
    _sign_in(page, bruno.email, PASSWORD)
    _open_community(page, community)
    expect(_cards(page)).to_have_count(1)

    composer = _composer(page)
    body = composer.get_by_label(f"Post in {COMMUNITY}")
    body.fill("Launch photos are in, thanks ")
    # Typed as people spell the name, accent included.
    _mention(body, "Chloé", "Chloé Dumas")
    expect(body).to_have_value("Launch photos are in, thanks @chloe.dumas ")
    body.press_sequentially("for the new dashboards!")
    composer.get_by_label("Attach files").set_input_files(str(_png(tmp_path / "launch.png")))
    page.evaluate(MARK_PAGE)
    composer.get_by_role("button", name="Post", exact=True).click()

    cards = _cards(page)
    expect(cards).to_have_count(2)
    card = cards.first
    expect(card).to_contain_text("Launch photos are in, thanks")
    expect(cards.nth(1)).to_have_attribute("id", f"post-{older.pk}")
    assert page.evaluate(SAME_PAGE), "the page was reloaded"
    # The composer is ready for the next post.
    expect(_composer(page).get_by_label(f"Post in {COMMUNITY}")).to_have_value("")

    mention = card.locator(".post-body a.mention")
    expect(mention).to_have_text("@Chloé Dumas")
    expect(mention).to_have_attribute("href", f"/people/{chloe.pk}/")

    thumbnail = card.locator(".post-images img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", "launch.webp")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())

    mention.click()
    expect(page).to_have_url(_url(f"/people/{chloe.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Chloé Dumas")
    watch.assert_clean()


def test_colleague_reacts_and_comments_from_another_browser(page, open_page, watch, community, alice, bruno):
    post = post_create(actor=alice, community=community, body="The new CI runners are live.")
    watch.page(page)
    _sign_in(page, alice.email, PASSWORD)
    _open_community(page, community)
    expect(_cards(page).first).to_contain_text("0 comments")

    other = watch.page(open_page())
    _sign_in(other, bruno.email, PASSWORD)
    _open_community(other, community)
    card = other.locator(f"#post-{post.pk}")
    reactions = card.locator(".post-footer .reactions")
    expect(reactions.locator(".reaction-summary")).to_have_count(0)
    # The React button opens the picker of the five kinds.
    reactions.get_by_role("button", name="React", exact=True).click()
    picker = reactions.locator(".reaction-picker")
    expect(picker.get_by_role("button")).to_have_count(5)
    celebrate = picker.get_by_role("button", name="Celebrate")
    other.evaluate(MARK_PAGE)
    celebrate.click()
    expect(reactions.locator(".reaction-summary [data-kind=celebrate]")).to_have_text("1")
    summary_icon = reactions.locator(".reaction-summary [data-kind=celebrate] [role=img]")
    expect(summary_icon).to_have_attribute("aria-label", "Celebrate")
    pressed = picker.get_by_role("button", name="Celebrate", include_hidden=True)
    expect(pressed).to_have_attribute("aria-pressed", "true")
    expect(reactions.locator(".reaction-toggle")).to_have_text("Celebrate")

    card.get_by_role("link", name=re.compile(r"0 comments$")).click()
    comment_box = card.get_by_label("Your comment")
    expect(comment_box).to_be_visible()
    expect(card.locator(".comment")).to_have_count(0)
    comment_box.fill("Builds went from 12 to 4 minutes on my branch.")
    card.get_by_role("button", name="Comment", exact=True).click()
    comments = card.locator(".comment-list .comment")
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text("Bruno Keller")
    expect(comments.first).to_contain_text("Builds went from 12 to 4 minutes on my branch.")
    expect(card.get_by_label("Your comment")).to_have_value("")
    assert other.evaluate(SAME_PAGE), "the page was reloaded"

    # The author sees both once the page is loaded again (live updates need the ASGI server).
    page.reload()
    mine = page.locator(f"#post-{post.pk}")
    expect(mine.locator(".reaction-summary [data-kind=celebrate]")).to_have_text("1")
    not_mine = mine.locator(".reaction-picker").get_by_role("button", name="Celebrate", include_hidden=True)
    expect(not_mine).to_have_attribute("aria-pressed", "false")
    expect(mine.locator(".reaction-toggle")).to_have_text("React")
    mine.get_by_role("link", name=re.compile(r"1 comment$")).click()
    expect(mine.locator(".comment-list .comment")).to_contain_text("Builds went from 12 to 4 minutes")
    watch.assert_clean()


def test_poll_created_in_the_composer_is_answered(page, open_page, watch, community, alice, bruno):
    watch.page(page)
    _sign_in(page, alice.email, PASSWORD)
    _open_community(page, community)
    composer = _composer(page)
    options = composer.locator(".composer-extra[data-kind=poll]")
    expect(options).to_be_hidden()
    composer.get_by_role("radio", name="Poll", exact=True).check()
    expect(options).to_be_visible()
    composer.get_by_label(f"Post in {COMMUNITY}").fill("Where should we hold the spring offsite?")
    for number, label in enumerate(("Lyon", "Annecy", "Bordeaux"), start=1):
        options.get_by_label(f"Option {number}", exact=True).fill(label)
    options.get_by_role("button", name="Add an option").click()
    expect(options.get_by_label("Option 4", exact=True)).to_be_focused()
    options.get_by_label("Option 4", exact=True).fill("Remote")
    composer.get_by_role("button", name="Post", exact=True).click()

    poll = _cards(page).first
    expect(poll.locator(".post-kind")).to_have_text("Poll")
    expect(poll).to_contain_text("Where should we hold the spring offsite?")
    expect(poll.get_by_role("radio")).to_have_count(4)
    expect(poll).to_contain_text("Results are shown once you have voted or the poll has closed.")
    post_id = poll.get_attribute("data-post")

    other = watch.page(open_page())
    _sign_in(other, bruno.email, PASSWORD)
    _open_community(other, community)
    card = other.locator(f"#post-{post_id}")
    expect(card.locator(".poll-results")).to_have_count(0)
    card.get_by_role("radio", name="Annecy").check()
    other.evaluate(MARK_PAGE)
    card.get_by_role("button", name="Vote").click()

    results = card.locator(".poll-results li")
    expect(results).to_have_count(4)
    expect(results).to_have_text(
        [
            re.compile(r"^Lyon\s*0% · 0 votes$"),
            re.compile(r"^Annecy ✓\s*100% · 1 vote$"),
            re.compile(r"^Bordeaux\s*0% · 0 votes$"),
            re.compile(r"^Remote\s*0% · 0 votes$"),
        ]
    )
    expect(results.nth(1)).to_have_class("is-mine")
    expect(card.locator(".poll")).to_contain_text("1 vote in all.")
    expect(card.get_by_role("button", name="Withdraw my vote")).to_be_visible()
    assert other.evaluate(SAME_PAGE), "the page was reloaded"
    watch.assert_clean()


def test_question_author_marks_the_best_answer(page, watch, community, alice, bruno, chloe):
    question = post_create(
        actor=alice, community=community, kind=Kind.QUESTION, body="How do we rotate the staging database password?"
    )
    comment_create(actor=bruno, post=question, body="Ask the on-call person to run the vault script.")
    best = comment_create(actor=chloe, post=question, body="Use `make rotate-staging`: it updates every service.")
    watch.page(page)
    _sign_in(page, alice.email, PASSWORD)
    _open_community(page, community)
    card = page.locator(f"#post-{question.pk}")
    expect(card.locator(".post-kind")).to_have_text("Question")
    expect(card).to_contain_text("Not answered yet")
    card.get_by_role("link", name=re.compile(r"2 comments$")).click()
    answers = card.locator(".comment-list > li > .comment")
    expect(answers).to_have_count(2)
    expect(card.locator(".best-answer-label")).to_have_count(0)

    answer = card.locator(f"#comment-{best.pk}")
    answer.get_by_role("button", name="Mark as best answer").click()

    marked = page.locator(f"#comment-{best.pk}")
    expect(marked.locator(".best-answer-label")).to_have_text("Best answer")
    expect(marked).to_have_class(re.compile(r"\bbest-answer\b"))
    expect(marked.get_by_role("button", name="Unmark best answer")).to_be_visible()
    expect(page.locator(".best-answer-label")).to_have_count(1)
    expect(page.get_by_role("link", name="Answered: see the best answer")).to_have_attribute(
        "href", f"/posts/{question.pk}/#comment-{best.pk}"
    )
    watch.assert_clean()


def test_praise_through_the_composer_shows_on_the_profile(page, watch, alice, bruno):
    watch.page(page)
    _sign_in(page, alice.email, PASSWORD)
    composer = _composer(page)
    expect(composer.get_by_label("Post to the whole company")).to_be_visible()
    praise_fields = composer.locator(".composer-extra[data-kind=praise]")
    expect(praise_fields).to_be_hidden()
    composer.get_by_role("radio", name="Praise", exact=True).check()
    expect(praise_fields).to_be_visible()
    composer.get_by_label("Badge").select_option(label="Team player")
    _mention(composer.get_by_label("Colleagues to praise"), "bru", "Bruno Keller", keyboard=True)
    expect(composer.get_by_label("Colleagues to praise")).to_have_value("@bruno.keller ")
    composer.get_by_label("Post to the whole company").fill("Thank you for staying late to finish the migration!")
    composer.get_by_role("button", name="Post", exact=True).click()

    card = _cards(page).first
    expect(card.locator(".praise")).to_contain_text("Team player · Bruno Keller")
    expect(card).to_contain_text("Thank you for staying late to finish the migration!")

    card.locator(".praise").get_by_role("link", name="Bruno Keller").click()
    expect(page).to_have_url(_url(f"/people/{bruno.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bruno Keller")
    page.get_by_role("tab", name="Praise").click()  # the profile's praise is a tab of its own
    praise = page.locator("section[aria-labelledby=praise-heading]")
    expect(praise.get_by_role("heading", name="Praise received")).to_be_visible()
    items = praise.locator(".praise-list li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Team player · from Alice Moreau")
    expect(items.first).to_contain_text("Thank you for staying late to finish the migration!")
    watch.assert_clean()


def test_draft_survives_a_failed_submission(page, watch, community, bruno, settings, tmp_path):
    draft = "Post-mortem of Tuesday's outage: root cause was the expired certificate."
    settings.ATTACHMENT_MAX_BYTES = 2_000
    watch.page(page)
    _sign_in(page, bruno.email, PASSWORD)
    _open_community(page, community)
    composer = _composer(page)
    body = composer.get_by_label(f"Post in {COMMUNITY}")
    body.fill(draft)
    # Previewing is not publishing: the draft must stay saved.
    composer.get_by_role("button", name="Preview").click()
    expect(composer.get_by_role("heading", name="Preview", level=3)).to_be_visible()
    expect(composer.locator("h3 + p")).to_have_text(draft)
    expect(composer.locator(".upload-progress")).to_be_hidden()

    # The server fails.
    page.route("**/posts/new/", lambda route: route.fulfill(status=500, body="Server Error"))
    composer.get_by_role("button", name="Post", exact=True).click()
    error = composer.locator(".composer-error")
    expect(error).to_have_text("Posting failed. Your text is kept: please try again.")
    expect(body).to_have_value(draft)
    expect(_cards(page)).to_have_count(0)
    page.unroute("**/posts/new/")

    # A reload (or a crash of the tab) gives the draft back.
    page.reload()
    body = _composer(page).get_by_label(f"Post in {COMMUNITY}")
    expect(body).to_have_value(draft)

    # A file over the limit: said when chosen, and nothing is sent (the upload would only be
    # refused); the text is kept. The server's own refusal is tested in tests/feeds/test_views.py.
    big = _png(tmp_path / "outage-graph.png", size=(100, 100), noise=True)
    composer = _composer(page)
    composer.get_by_label("Attach files").set_input_files(str(big))
    expect(composer.locator(".composer-error")).to_contain_text("The upload is too large. Your text is kept")
    expect(composer.locator(".composer-error")).to_contain_text("outage-graph.png")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.url.endswith("/posts/new/") else None)
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(composer.locator(".composer-error")).to_contain_text("outage-graph.png")
    page.wait_for_timeout(300)
    assert sent == []
    expect(_composer(page).get_by_label(f"Post in {COMMUNITY}")).to_have_value(draft)
    expect(_cards(page)).to_have_count(0)
    composer.get_by_label("Attach files").set_input_files([])

    # Published at last: the card appears and the draft is gone.
    _composer(page).get_by_role("button", name="Post", exact=True).click()
    expect(_cards(page)).to_have_count(1)
    expect(_cards(page).first).to_contain_text("root cause was the expired certificate")
    expect(_composer(page).get_by_label(f"Post in {COMMUNITY}")).to_have_value("")
    page.reload()
    expect(_composer(page).get_by_label(f"Post in {COMMUNITY}")).to_have_value("")
    watch.assert_clean(
        allowed=(
            re.compile(r"^Failed to load resource: the server responded with a status of 500"),
            re.compile(r"^Response Status Error Code 500 from /posts/new/"),
        )
    )


def test_a_comment_the_server_could_not_take_says_so_and_keeps_its_text(page, watch, community, alice, bruno):
    """An htmx request answered with the 503 that a hung database gives (the server's own
    fragment, served here by the browser's router) shows its message beside the form instead
    of changing nothing; the text stays, and sending it again once the server answers works
    and clears the message."""
    from django.test import RequestFactory

    from apps.core.unavailable import error_response

    unavailable = error_response(RequestFactory().post("/", HTTP_HX_REQUEST="true"), 503)
    post = post_create(actor=alice, community=community, body="Who has the release notes?")
    watch.page(page)
    _sign_in(page, bruno.email, PASSWORD)
    _open_community(page, community)
    card = page.locator(f"#post-{post.pk}")
    card.get_by_role("link", name=re.compile(r"0 comments$")).click()
    comments_url = re.compile(rf"/posts/{post.pk}/comments/")
    page.route(
        comments_url,
        lambda route: (
            route.fulfill(status=503, body=unavailable.content, headers={"Content-Type": "text/html"})
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    card.get_by_label("Your comment").fill("In the wiki, under Releases.")
    card.get_by_role("button", name="Comment", exact=True).click()
    alert = card.locator(".request-failed[role=alert]")
    expect(alert).to_contain_text("The service cannot reach its database right now. Please try again in a moment.")
    expect(alert).to_contain_text("What you just sent may not have been saved: check before sending it again.")
    expect(card.get_by_label("Your comment")).to_have_value("In the wiki, under Releases.")

    page.unroute(comments_url)
    card.get_by_role("button", name="Comment", exact=True).click()
    expect(card.locator(".comment-list .comment")).to_contain_text("In the wiki, under Releases.")
    expect(alert).to_have_count(0)
    watch.assert_clean(allowed=[re.compile(r"status of 503|Status Error Code 503")])


def test_composer_lists_chosen_files_and_one_can_be_removed(page, watch, community, alice, tmp_path):
    watch.page(page)
    _sign_in(page, alice.email, PASSWORD)
    # The top bar's Create → Post leads to /#composer: the text box has the focus.
    page.goto("/#composer")
    expect(_composer(page).get_by_label("Post to the whole company")).to_be_focused()
    _open_community(page, community)
    composer = _composer(page)
    files = composer.get_by_label("Attach files")
    files.set_input_files([str(_png(tmp_path / "keep.png")), str(_png(tmp_path / "drop.png", (200, 100)))])
    chosen = composer.locator(".composer-files .composer-file")
    expect(chosen).to_have_count(2)
    expect(chosen.first.locator("img")).to_have_attribute("src", re.compile(r"^data:image/png"))
    composer.get_by_role("button", name="Remove drop.png").click()
    expect(chosen).to_have_count(1)
    expect(chosen.first).to_contain_text("keep.png")
    assert files.evaluate("input => Array.from(input.files).map(file => file.name)") == ["keep.png"]
    composer.get_by_label(f"Post in {COMMUNITY}").fill("One picture only")
    composer.get_by_role("button", name="Post", exact=True).click()
    card = _cards(page).first
    expect(card).to_contain_text("One picture only")
    expect(card.locator(".post-images img")).to_have_count(1)
    expect(_composer(page).locator(".composer-file")).to_have_count(0)
    watch.assert_clean()
