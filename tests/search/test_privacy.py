"""Search never tells anyone what they may not read.

A canary word is written everywhere a private community holds text (a post, a comment, a
poll option, a file's name, a file's extracted text, the community's name and description, a
hashtag used only there) and in conversations between other people. Each kind of outsider
searches for it every way the page allows (every tab, the operators, the form's filters,
the suggestions, a prefix) and must get zero everywhere: not a result, not a snippet, not a
suggestion, not a count. The readers (a member, the owner, a site admin) do find each
item, so an empty page means something. Then: deleted content is never found, an edit, a
departure or a community turned private count at once.

Visitors (tests/feeds/test_privacy.py's, with messaging's own):
  out    an employee with no tie to anything here
  left   was a member of the private community, left
  rem    was a member, removed by the owner
  ban    was a member, banned by the owner
  inv    invited by the owner, not yet accepted
  gleft  was in a group conversation holding the canary, left it
  dleft  was in a one-to-one holding the canary, left it (leaving hides a one-to-one)
  mem    a member of both private communities
  own    the owner of both, wrote the post, the poll and the files
  adm    a site administrator, a member of nothing (reads every community, no conversation)
  dma    in every conversation holding the canary
  dmb    in the one-to-one with dma and in the group
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from apps.communities.services import community_create, community_update, membership_transition
from apps.feeds import services as feeds
from apps.feeds.models import Kind
from apps.messaging import services as messaging
from apps.search.models import FileText
from apps.search.query import parse
from apps.search.selectors import content, others
from apps.search.selectors.suggest import suggestions
from tests.feeds.test_privacy import _join, _person, text_file

pytestmark = pytest.mark.django_db

CANARY = "zanzibarcanary"
TAG = f"{CANARY}tag"  # written only in the private community; holds the canary, so a leak of it is seen
TABS = ("all", "posts", "people", "communities", "files", "messages")
OUTSIDERS = ("out", "left", "rem", "ban", "inv", "gleft", "dleft")
READERS = ("mem", "own", "adm")
# Each item's own word beside the canary: a reader's page shows which items were found.
POST_BODY = f"Merger plans {CANARY} postword #{TAG}"
COMMENT_BODY = f"Agreed on {CANARY} commentword"
POLL_OPTION = f"Tuesday {CANARY} optionword"
FILE_NAME = f"budget-{CANARY}.txt"
FILE_TEXT = f"Quarterly figures {CANARY} filetextword"
DIRECT_BODY = f"Between us {CANARY} pairword"
GROUP_BODY = f"Among us {CANARY} groupword"
LEFT_DIRECT_BODY = f"Before you go {CANARY} farewellword"


@dataclass
class World:
    users: dict
    clients: dict
    lab: object  # private: the canary in its name
    room: object  # private: the canary in its description only
    ids: dict


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    users = {name: _person(name) for name in (*OUTSIDERS, "mem", "own", "dma", "dmb")}
    users["adm"] = _person("adm", is_staff=True, is_superuser=True)
    own, mem = users["own"], users["mem"]
    lab = community_create(
        actor=own, name=f"{CANARY.capitalize()} Lab", description="Members only.", visibility="private"
    )
    room = community_create(
        actor=own, name="Quiet Room", description=f"Where {CANARY} is discussed.", visibility="private"
    )
    for name in ("mem", "left", "rem", "ban"):
        _join(own, lab, users[name])
    _join(own, room, mem)
    membership_transition(actor=own, community=lab, user=users["inv"], action="invite")

    post = feeds.post_create(
        actor=own,
        community=lab,
        body=POST_BODY,
        uploads=[text_file(FILE_NAME, "figures\n"), text_file("notes.txt", "notes\n")],
    )
    comment = feeds.comment_create(actor=mem, post=post, body=COMMENT_BODY)
    poll = feeds.post_create(
        actor=own, community=lab, kind=Kind.POLL, body="Which day?", poll_options=[POLL_OPTION, "Friday"]
    )
    named = post.attachments.get(name=FILE_NAME)
    notes = post.attachments.get(name="notes.txt")
    # What the worker writes once it has read the file (apps/search/extraction.py).
    FileText.objects.create(attachment=notes, status="ok", text=FILE_TEXT)

    membership_transition(actor=users["left"], community=lab, user=users["left"], action="leave")
    membership_transition(actor=own, community=lab, user=users["rem"], action="remove")
    membership_transition(actor=own, community=lab, user=users["ban"], action="ban")

    dma, dmb = users["dma"], users["dmb"]
    direct = messaging.conversation_direct_open(actor=dma, other=dmb)
    messaging.message_send(actor=dma, conversation=direct, body=DIRECT_BODY)
    group = messaging.conversation_group_create(actor=dma, name=f"Trio {CANARY}", people=[dmb, users["gleft"]])
    messaging.message_send(actor=dmb, conversation=group, body=GROUP_BODY)
    messaging.conversation_leave(actor=users["gleft"], conversation=group)
    left_direct = messaging.conversation_direct_open(actor=users["dleft"], other=dma)
    messaging.message_send(actor=users["dleft"], conversation=left_direct, body=LEFT_DIRECT_BODY)
    messaging.conversation_leave(actor=users["dleft"], conversation=left_direct)

    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    ids = {"post": post.pk, "comment": comment.pk, "poll": poll.pk, "named": named.pk, "notes": notes.pk}
    return World(users, clients, lab, room, ids)


# ------------------------------------------------------------------ reading a response


def _shown(response, asked: str) -> str:
    """The page as the visitor sees it, less the places that echo what they typed (the box,
    the title, "Nothing found for ...", the tabs' links): the canary they typed is not a leak,
    the canary anywhere else is."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    for echo in (
        f'value="{escape(asked)}"',
        f"“{escape(asked)}”",
        f"q={quote_plus(asked)}",
        f"q={quote(asked, safe='/')}",
    ):
        page = page.replace(echo, "")
    return page.lower()


def _badges(page: str) -> dict[str, str]:
    """The tabs' counts as rendered: {"posts": "0", ...}."""
    nav = re.search(r'<ul class="nav nav-tabs search-tabs.*?</ul>', page, re.DOTALL)
    assert nav, "no tabs on the page"
    found = {}
    for link in re.findall(r"<a class=\"nav-link.*?</a>", nav.group(0), re.DOTALL):
        tab = re.search(r"tab=(\w+)", link)
        badge = re.search(r'<span class="badge[^"]*">([^<]*)</span>', link)
        if badge:
            found[tab.group(1) if tab else "all"] = badge.group(1)
    return found


def _search(client, q: str, tab: str = "all", **filters):
    return client.get("/search/", {"q": q, "tab": tab, **filters})


def _counts(viewer, q: str) -> dict:
    parsed = parse(q)
    filters = content.resolve_filters(viewer=viewer, parsed=parsed, filters=content.Filters())
    return others.tab_counts(viewer=viewer, parsed=parsed, filters=filters, as_of=timezone.now())


def _queries(world: World) -> list[tuple[str, dict, tuple]]:
    """Every way of asking for the canary: (box, the form's filters, the tabs asked). The
    operators on every tab; their variants on the tabs that list posts and files."""
    slug = world.lab.slug
    some = ("all", "posts", "files")
    return [
        (CANARY, {}, TABS),
        (f"in:{slug} {CANARY}", {}, TABS),
        (f"from:@own {CANARY}", {}, TABS),
        (f"#{TAG}", {}, TABS),
        (CANARY.upper(), {}, some),
        (f'"merger plans {CANARY}"', {}, some),
        (f"{CANARY} -nothingelse", {}, some),
        (f"in:{world.room.slug} {CANARY}", {}, ("all", "communities")),
        (f"#{TAG} {CANARY}", {}, some),
        (f"{CANARY} or postword", {}, some),
        (CANARY, {"community": slug}, some),
        (CANARY, {"author": "own"}, some),
        (CANARY, {"sort": "newest"}, some),
        (CANARY, {"kind": "poll"}, some),
        (CANARY, {"files": "1"}, some),
        ("postword", {}, some),
        ("filetextword", {}, ("all", "files")),
        ("budget", {}, ("all", "files")),
        ("optionword", {}, some),
    ]


SUGGESTED = (CANARY, CANARY[:6], CANARY[:4], f"#{TAG}", TAG, f"#{TAG[:8]}", "zanzibarcanary lab", "quiet room")


# ------------------------------------------------------------------ outsiders


@pytest.mark.parametrize("visitor", OUTSIDERS)
def test_outsiders_find_no_trace_of_the_canary(world, visitor):
    client, viewer = world.clients[visitor], world.users[visitor]
    leaks = []
    for q, filters, tabs in _queries(world):
        for tab in tabs:
            page = _shown(_search(client, q, tab, **filters), q)
            if CANARY in page:
                leaks.append(f"GET /search/ q={q!r} tab={tab} {filters}: {page[page.index(CANARY) - 150 :][:300]!r}")
            badges = _badges(page)
            if set(badges) != set(TABS) - {"all"} or set(badges.values()) != {"0"}:
                leaks.append(f"GET /search/ q={q!r} tab={tab} {filters}: counts {badges}")
        if not filters:
            counts = _counts(viewer, q)
            if any(counts.values()):
                leaks.append(f"tab_counts q={q!r}: {counts}")
    for q in SUGGESTED:
        page = _shown(client.get("/search/suggest/", {"q": q}), q)
        if CANARY in page or "quiet room" in page:
            leaks.append(f"GET /search/suggest/ q={q!r}: {page!r}")
        found = suggestions(viewer=viewer, query=q)
        if found["communities"] or found["hashtags"]:
            leaks.append(f"suggestions q={q!r}: {found}")
    assert leaks == [], "\n".join(leaks)


def test_the_operators_name_nothing_for_outsiders(world):
    """`in:` a private address the outsider may not read narrows to nothing (not to "any
    community"): the public post that also holds the word stays out of it too."""
    public = community_create(actor=world.users["own"], name="Open Garden", visibility="public")
    feeds.post_create(actor=world.users["own"], community=public, body=f"In the open {CANARY}")
    for visitor in OUTSIDERS:
        viewer = world.users[visitor]
        assert _counts(viewer, CANARY)["posts_and_comments"] == 1, visitor
        assert _counts(viewer, f"in:{world.lab.slug} {CANARY}")["posts_and_comments"] == 0, visitor
        assert _counts(viewer, f"in:{world.lab.slug} in:{public.slug} {CANARY}")["posts_and_comments"] == 0, visitor
        assert _counts(viewer, f"in:{public.slug} {CANARY}")["posts_and_comments"] == 1, visitor


# ------------------------------------------------------------------ readers


def _hit_ids(page: content.Page) -> set[tuple[str, int]]:
    return {(hit.kind, hit.item.pk) for hit in page.items}


@pytest.mark.parametrize("visitor", READERS)
def test_readers_find_every_private_item(world, visitor):
    client, viewer, ids = world.clients[visitor], world.users[visitor], world.ids
    parsed = parse(CANARY)
    filters = content.resolve_filters(viewer=viewer, parsed=parsed, filters=content.Filters())
    now = timezone.now()
    found = _hit_ids(content.posts_and_comments(viewer=viewer, parsed=parsed, filters=filters, as_of=now))
    assert found == {("post", ids["post"]), ("comment", ids["comment"]), ("post", ids["poll"])}
    files = _hit_ids(content.file_hits(viewer=viewer, parsed=parsed, filters=filters, as_of=now))
    assert files == {("file", ids["named"]), ("file", ids["notes"])}
    assert {c.pk for c in others.communities(viewer=viewer, parsed=parsed).items} == {world.lab.pk, world.room.pk}
    assert others.messages(viewer=viewer, parsed=parsed).items == []
    assert _counts(viewer, CANARY) == {
        "people": 0,
        "communities": 2,
        "files": 2,
        "messages": 0,
        "posts_and_comments": 3,
    }
    assert _counts(viewer, f"#{TAG}")["posts_and_comments"] == 1
    assert _counts(viewer, f"in:{world.lab.slug} {CANARY}")["posts_and_comments"] == 3
    assert _counts(viewer, f"from:@own {CANARY}")["posts_and_comments"] == 2  # the post and the poll

    page = _shown(_search(client, CANARY, "posts"), CANARY)
    for word in ("postword", "commentword", f"/posts/{ids['poll']}/"):
        assert word in page, (visitor, word)
    assert _badges(page) == {"posts": "3", "people": "0", "communities": "2", "files": "2", "messages": "0"}
    page = _shown(_search(client, CANARY, "files"), CANARY)
    assert FILE_NAME in page and "filetextword" in page and "notes.txt" in page
    page = _shown(_search(client, CANARY, "communities"), CANARY)
    assert "zanzibarcanary lab" in page and "quiet room" in page
    assert "postword" in _shown(_search(client, f"in:{world.lab.slug} {CANARY}", "posts"), CANARY)
    assert "postword" in _shown(_search(client, CANARY, "posts", community=world.lab.slug), CANARY)
    assert "postword" in _shown(_search(client, f"#{TAG}", "posts"), f"#{TAG}")

    suggested = _shown(client.get("/search/suggest/", {"q": CANARY[:6]}), CANARY[:6])
    assert "zanzibarcanary lab" in suggested and f"/feed/tags/{TAG}/" in suggested
    assert [tag.name for tag in suggestions(viewer=viewer, query=f"#{TAG[:8]}")["hashtags"]] == [TAG]
    assert "quiet room" in _shown(client.get("/search/suggest/", {"q": "quiet"}), "quiet")


def test_an_invitee_finds_the_community_once_they_accept(world):
    """The invitation alone gives nothing; accepting gives everything, at once."""
    inv = world.users["inv"]
    assert not any(_counts(inv, CANARY).values())
    membership_transition(actor=inv, community=world.lab, user=inv, action="accept")
    counts = _counts(inv, CANARY)
    assert (counts["posts_and_comments"], counts["files"], counts["communities"]) == (3, 2, 1)


def test_a_removed_member_stops_finding_at_once(world):
    mem = world.users["mem"]
    assert _counts(mem, "postword")["posts_and_comments"] == 1
    membership_transition(actor=world.users["own"], community=world.lab, user=mem, action="remove")
    assert _counts(mem, "postword")["posts_and_comments"] == 0
    assert "postword" not in _shown(_search(world.clients["mem"], "postword", "posts"), "postword")


# ------------------------------------------------------------------ messages


def test_messages_are_found_by_their_participants_on_the_messages_tab_only(world):
    expected = {
        "dma": {"pairword", "groupword", "farewellword"},
        "dmb": {"pairword", "groupword"},
    }
    for visitor, words in expected.items():
        client, viewer = world.clients[visitor], world.users[visitor]
        page = _shown(_search(client, CANARY, "messages"), CANARY)
        assert {word for word in ("pairword", "groupword", "farewellword") if word in page} == words, visitor
        assert _badges(page)["messages"] == str(len(words))
        assert _counts(viewer, CANARY)["messages"] == len(words)
        # The "All" tab lists no message, only their count on the tab.
        everything = _shown(_search(client, CANARY, "all"), CANARY)
        assert not any(word in everything for word in ("pairword", "groupword", "farewellword")), visitor
        assert _badges(everything)["messages"] == str(len(words))
        # The form's filters are about posts: with one, the messages tab shows nothing.
        assert "pairword" not in _shown(_search(client, CANARY, "messages", sort="newest", kind="poll"), CANARY)
    # Nobody else, not even a site administrator or the community's readers.
    for visitor in ("adm", "own", "mem", "gleft", "dleft", "out"):
        assert _counts(world.users[visitor], CANARY)["messages"] == 0, visitor
        page = _shown(_search(world.clients[visitor], CANARY, "messages"), CANARY)
        assert "pairword" not in page and "groupword" not in page, visitor


def test_a_one_to_one_left_is_found_again_once_a_message_reopens_it(world):
    dleft, dma = world.users["dleft"], world.users["dma"]
    conversation = messaging.conversation_direct_open(actor=dma, other=dleft)
    assert _counts(dleft, "farewellword")["messages"] == 0
    messaging.message_send(actor=dma, conversation=conversation, body="Are you there?")
    assert _counts(dleft, "farewellword")["messages"] == 1


def test_a_deleted_message_is_not_found(world):
    dma = world.users["dma"]
    message = others.messages(viewer=dma, parsed=parse("pairword")).items[0]
    messaging.message_delete(actor=dma, message=message)
    for visitor in ("dma", "dmb"):
        assert _counts(world.users[visitor], "pairword")["messages"] == 0
        assert "pairword" not in _shown(_search(world.clients[visitor], "pairword", "messages"), "pairword")


# ------------------------------------------------------------------ deletions, edits, visibility


def test_deleted_posts_and_comments_are_never_found_even_by_their_author(world):
    own, mem = world.users["own"], world.users["mem"]
    post = feeds.post_create(
        actor=own, community=None, body="Withdrawn goneword #gonetag", uploads=[text_file("gonefile.txt", "x\n")]
    )
    FileText.objects.create(attachment=post.attachments.get(), status="ok", text="gonefiletext")
    poll = feeds.post_create(actor=own, community=None, kind=Kind.POLL, body="Which?", poll_options=["goneoption", "x"])
    feeds.comment_create(actor=mem, post=post, body="Under a withdrawn post undercomment")
    kept = feeds.post_create(actor=own, community=None, body="Still here")
    comment = feeds.comment_create(actor=mem, post=kept, body="Regretted goneremark")
    words = ("goneword", "gonefile", "gonefiletext", "goneoption", "undercomment", "goneremark", "#gonetag")
    for word in words:
        assert any(_counts(mem, word).values()), word  # found before: the test can fail
    assert suggestions(viewer=mem, query="#gonetag")["hashtags"]
    feeds.post_delete(actor=own, post=post)
    feeds.post_delete(actor=own, post=poll)
    feeds.comment_delete(actor=mem, comment=comment)
    for visitor in ("own", "mem", "adm", "out"):
        viewer, client = world.users[visitor], world.clients[visitor]
        for word in words:
            assert not any(_counts(viewer, word).values()), (visitor, word)
            for tab in ("all", "posts", "files"):
                assert word.lstrip("#") not in _shown(_search(client, word, tab), word), (visitor, word, tab)
        assert suggestions(viewer=viewer, query="#gonetag")["hashtags"] == [], visitor
        assert "gonetag" not in _shown(client.get("/search/suggest/", {"q": "gonet"}), "gonet"), visitor


def test_an_edit_is_found_at_once(world):
    own, mem = world.users["own"], world.users["mem"]
    post = feeds.post_create(actor=own, community=None, body="First draft oldpostword")
    comment = feeds.comment_create(actor=mem, post=post, body="First thought oldcommentword")
    assert _counts(mem, "oldpostword")["posts_and_comments"] == 1
    assert _counts(mem, "oldcommentword")["posts_and_comments"] == 1
    feeds.post_update(actor=own, post=post, body="Second draft newpostword")
    feeds.comment_update(actor=mem, comment=comment, body="Second thought newcommentword")
    for visitor in ("own", "mem", "out"):
        viewer, client = world.users[visitor], world.clients[visitor]
        assert _counts(viewer, "oldpostword")["posts_and_comments"] == 0
        assert _counts(viewer, "oldcommentword")["posts_and_comments"] == 0
        assert _counts(viewer, "newpostword")["posts_and_comments"] == 1
        assert _counts(viewer, "newcommentword")["posts_and_comments"] == 1
        assert "oldpostword" not in _shown(_search(client, "draft", "posts"), "draft")
        assert "newpostword" in _shown(_search(client, "draft", "posts"), "draft")
    # A file's text read again (another version read by the worker) is searched at once too.
    notes = FileText.objects.get(attachment_id=world.ids["notes"])
    notes.text = "Rewritten figures renewedword"
    notes.save()
    assert _counts(world.users["mem"], "filetextword")["files"] == 0
    assert _counts(world.users["mem"], "renewedword")["files"] == 1
    assert _counts(world.users["out"], "renewedword")["files"] == 0


def test_a_community_turned_private_hides_its_content_at_once(world, tmp_path):
    own, out = world.users["own"], world.users["out"]
    turning = community_create(actor=own, name="Turning Garden", description=f"Soon {CANARY}", visibility="public")
    post = feeds.post_create(
        actor=own,
        community=turning,
        body=f"Soon private {CANARY} turningword",
        uploads=[text_file(f"soon-{CANARY}.txt", "x\n")],
    )
    feeds.comment_create(actor=own, post=post, body=f"A remark {CANARY} turningremark")
    public_slug = turning.slug
    before = _counts(out, CANARY)
    assert (before["posts_and_comments"], before["files"], before["communities"]) == (2, 1, 1)
    assert "turningword" in _shown(_search(world.clients["out"], CANARY, "posts"), CANARY)

    community_update(actor=own, community=turning, changes={"visibility": "private"})

    assert not any(_counts(out, CANARY).values())
    for q in (CANARY, f"in:{public_slug} {CANARY}", f"in:{turning.slug} {CANARY}", "turning garden"):
        for tab in TABS:
            page = _shown(_search(world.clients["out"], q, tab), q)
            for word in (CANARY, "turningword", "turningremark", "turning garden"):
                assert word not in page, (q, tab, word)
            assert set(_badges(page).values()) == {"0"}, (q, tab)
    assert suggestions(viewer=out, query="turning")["communities"] == []
    # Its owner still finds everything.
    after = _counts(own, CANARY)
    assert (after["posts_and_comments"], after["files"], after["communities"]) == (5, 3, 3)
