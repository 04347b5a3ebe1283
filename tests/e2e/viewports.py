"""What the page-level browser checks share: a small organisation to look at, the pages to
visit, and the checks themselves (sideways overflow, overlapping regions, axe-core)."""

from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import REPO_ROOT

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
SHOTS = REPO_ROOT / "test-results" / "viewports"
VIEWPORTS = {"desktop": (1366, 900), "tablet": (820, 1180), "phone": (390, 844)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The named regions of every page, and of the messages' two panes: none may overlap another.
REGIONS = ["#site-nav", "#main", ".rail"]
PANES = ["[data-region=conversation-list]", "[data-region=conversation]"]


@dataclass
class Organisation:
    viewer: object
    manager: object
    report: object
    community: object
    conversation: object
    admin: object

    def pages(self) -> dict[str, str]:
        return {
            "home": "/",
            "community": f"/communities/{self.community.slug}/",
            "communities": "/communities/",
            "people": "/people/",
            "profile": f"/people/{self.manager.pk}/",
            "org-chart": f"/people/{self.viewer.pk}/org/",
            "messages": "/messages/",
            "conversation": f"/messages/{self.conversation.pk}/",
            "notifications": "/notifications/",
            "search": "/search/?q=payments",
            "search-posts": "/search/?q=release&tab=posts",
        }


def build_organisation() -> Organisation:
    """Anna (the viewer), her manager Ben and her report Chloé; a community with posts of
    every kind, comments and reactions; a conversation; notifications; an administrator."""
    from apps.communities.services import community_create, membership_transition
    from apps.feeds.services import comment_create, post_create, reaction_set
    from apps.messaging.services import conversation_direct_open, message_send
    from apps.profiles.models import Profile
    from tests.e2e.pages import employee
    from tests.factories import UserFactory

    anna = employee("Anna", "Keller", "anna.keller@example.com", "Payments Product Manager")
    ben = employee("Ben", "Okafor", "ben.okafor@example.com", "Head of Payments")
    chloe = employee("Chloé", "Durand", "chloe.durand@example.com", "Payments Analyst")
    Profile.objects.filter(user=anna).update(manager=ben.profile, department="Payments")
    Profile.objects.filter(user=chloe).update(manager=anna.profile, department="Payments")
    Profile.objects.filter(user=ben).update(department="Payments")
    guild = community_create(
        actor=ben, name="Payments guild", description="Everything about payments: releases, incidents, ideas."
    )
    membership_transition(actor=anna, community=guild, user=anna, action="join")
    membership_transition(actor=chloe, community=guild, user=chloe, action="join")
    post = post_create(actor=ben, community=guild, body="Release 4.2 is out. Thanks @anna for the #release notes!")
    reaction_set(actor=anna, post=post, kind="like")
    comment_create(actor=chloe, post=post, body="Great work, the changelog reads well.")
    post_create(
        actor=ben, community=None, body="Which day suits the offsite?", kind="poll", poll_options=["Mon", "Fri"]
    )
    post_create(
        actor=chloe, community=None, body="Thank you for the review!", kind="praise", badge="thanks", recipients=[anna]
    )
    conversation = conversation_direct_open(actor=anna, other=ben)
    message_send(actor=ben, conversation=conversation, body="Can you look at the refunds dashboard?")
    message_send(actor=anna, conversation=conversation, body="Yes, this afternoon.")
    admin = UserFactory(
        email="it.admin@example.com", is_staff=True, is_superuser=True, first_name="Ida", last_name="Admin"
    )
    return Organisation(anna, ben, chloe, guild, conversation, admin)


def overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it does not)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def overlaps(page, selectors) -> list[str]:
    """The pairs of visible regions whose boxes intersect."""
    return page.evaluate(
        """(selectors) => {
            const boxes = selectors.map((s) => [s, document.querySelector(s)])
              .filter(([, el]) => el && el.offsetParent !== null && getComputedStyle(el).visibility !== "hidden")
              .map(([s, el]) => [s, el.getBoundingClientRect()])
              .filter(([, r]) => r.width > 0 && r.height > 0);
            const found = [];
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const [a, ra] = boxes[i], [b, rb] = boxes[j];
              if (ra.left < rb.right - 1 && rb.left < ra.right - 1 && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1)
                found.push(a + " / " + b);
            }
            return found;
        }""",
        selectors,
    )


def axe(page) -> dict:
    """axe-core's violations and incomplete results at WCAG 2.2 AA, as short lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') would
        # refuse it as an inline <script>, rightly.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)

    def lines(items, keep=lambda item, node: True):
        return [
            f"{item['id']}: {node['target']} {node.get('failureSummary', '')[:160]}"
            for item in items
            for node in item["nodes"]
            if keep(item, node)
        ]

    def unresolved(item, node):
        # axe cannot tell the background of text over a background image (Bootstrap's
        # .form-select draws its arrow so): measured here from the colours instead.
        if item["id"] == "color-contrast" and len(node["target"]) == 1:
            return measured_contrast(page, node["target"][0]) < 4.5
        return True

    return {
        "violations": lines(result["violations"]),
        "incomplete": lines(result["incomplete"], unresolved),
    }


def _rgb(css: str) -> tuple[float, ...]:
    inside = css[css.index("(") + 1 : css.index(")")].replace("/", " ").replace(",", " ").split()
    values = [float(v) for v in inside]
    return tuple(values[:3]) + ((values[3],) if len(values) > 3 else (1.0,))


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])


def measured_contrast(page, selector: str) -> float:
    """The contrast of an element's text on the first opaque background colour behind it."""
    colours = page.evaluate(
        r"""(selector) => {
            const el = document.querySelector(selector);
            if (!el) return null;
            let bg = el, colour = "rgba(0, 0, 0, 0)";
            while (bg) {
              colour = getComputedStyle(bg).backgroundColor;
              if (!/rgba\(.*, 0\)$/.test(colour) && colour !== "transparent") break;
              bg = bg.parentElement;
            }
            return [getComputedStyle(el).color, bg ? colour : "rgb(255, 255, 255)"];
        }""",
        selector,
    )
    if colours is None:
        return 21.0
    text, background = _rgb(colours[0]), _rgb(colours[1])
    # Text with transparency, blended over the background.
    blended = tuple(text[i] * text[3] + background[i] * (1 - text[3]) for i in range(3))
    high, low = sorted((_luminance(blended), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
