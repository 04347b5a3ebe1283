"""The feeds privacy matrix: every feeds route about what members wrote in a PRIVATE
community, for every kind of visitor; a canary in everything they wrote (post, comment,
file names and contents, poll option, praise, question, share, edit history, deleted
post) that never reaches those who may not see it, and does reach those who may.

Visitors (the same people throughout):
  anon     not signed in
  out      an employee with no tie to the community; follows the owner, is @mentioned in
           the canary post (a mention never gives access)
  left     was a member: voted, reacted, commented and bookmarked the post, then left
  rem      was a member, removed by the owner
  ban      was a member, banned by the owner
  inv      invited by the owner, not yet accepted: sees the community (to accept or
           decline) but reads nothing its members wrote (`Community.content_visible_to`)
  mem      a member: wrote the comment, the poll and the question; praised; bookmarked
  own      the owner (a moderator): wrote the canary post, the praise and the deleted post
  adm      a site administrator, not a member
"""

import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from PIL import Image

from apps.communities.services import community_create, community_update, membership_transition
from apps.core.pagination import encode_cursor
from apps.facts.services import facts_sweep
from apps.feeds import services as feeds
from apps.feeds.models import (
    Badge,
    Bookmark,
    Comment,
    HashtagFollow,
    Kind,
    PollVote,
    Post,
    PostRevision,
    Reaction,
)
from apps.profiles.services import follow_create, profile_refresh_search
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

VISITORS = ("anon", "out", "left", "rem", "ban", "inv", "mem", "own", "adm")
OUTSIDERS = ("anon", "out", "left", "rem", "ban", "inv")
READERS = ("mem", "own", "adm")
CANARY = "CANARY-9c4e"
HTMX = {"HTTP_HX_REQUEST": "true"}

# Every piece the members write carries the canary, each in its own words.
POST_FIRST = f"Merger plans {CANARY}, first draft"
POST_BODY = f"Merger plans {CANARY}, revised"
COMMENT_BODY = f"Agreed {CANARY}"
OLD_COMMENT_BODY = f"Before leaving {CANARY}"
ANSWER_BODY = f"Answered {CANARY}"
FILE_NAME = f"budget-{CANARY}.txt"
FILE_CONTENT = f"Secret figures {CANARY}\n"
IMAGE_NAME = f"chart-{CANARY}.webp"  # uploaded as .png, re-encoded
POLL_OPTION = f"Tuesday {CANARY}"
PRAISE_BODY = f"Thank you {CANARY}"
QUESTION_BODY = f"Who owns {CANARY}?"
SHARE_BODY = f"Sharing inside {CANARY}"
DELETED_BODY = f"Withdrawn {CANARY}"
HASHTAG = "canarytag"  # written only in the private post
# What the same people write where everyone reads it.
PUBLIC_BODY = "Public news for everyone"
COMPANY_BODY = "Company-wide news from the owner"

# fmt: off
# Outcomes. "L": redirect to sign in; "200" / "404": that status; "D": a redirect to the
# community's page. `route` is formatted with the ids of `World.ids`; a key ending in
# " htmx" is asked as an htmx request.
# route (GET):                                      anon out  left rem  ban  inv  mem  own  adm
GET_MATRIX = {
    "/posts/{post}/":                               " L  404  404  404  404  404  200  200  200",
    "/posts/{post}/edit/":                          " L  404  404  404  404  404  404  200  404",
    "/posts/{post}/history/":                       " L  404  404  404  404  404  404  200  200",
    "/posts/{post}/reactions/":                     " L  404  404  404  404  404  200  200  200",
    "/posts/{post}/share/":                         " L  404  404  404  404  404  200  200  200",
    "/posts/{post}/comments/":                      " L  404  404  404  404  404  200  200  200",
    "/posts/{post}/comments/ htmx":                 " L  404  404  404  404  404  200  200  200",
    "/posts/{poll}/":                               " L  404  404  404  404  404  200  200  200",
    "/posts/{question}/":                           " L  404  404  404  404  404  200  200  200",
    "/posts/{praise}/":                             " L  404  404  404  404  404  200  200  200",
    "/posts/{share}/":                              " L  404  404  404  404  404  200  200  200",
    "/posts/{share}/comments/ htmx":                " L  404  404  404  404  404  200  200  200",
    # A deleted post is nobody's to read; its history is for the moderators.
    "/posts/{deleted}/":                            " L  404  404  404  404  404  404  404  404",
    "/posts/{deleted}/edit/":                       " L  404  404  404  404  404  404  404  404",
    "/posts/{deleted}/history/":                    " L  404  404  404  404  404  404  200  200",
    "/posts/{deleted}/comments/":                   " L  404  404  404  404  404  404  404  404",
    "/comments/{comment}/edit/":                    " L  404  404  404  404  404  200  404  404",
    "/comments/{comment}/reactions/":               " L  404  404  404  404  404  200  200  200",
    # Its author has left: no longer theirs to edit.
    "/comments/{old_comment}/edit/":                " L  404  404  404  404  404  404  404  404",
    "/comments/{answer}/reactions/":                " L  404  404  404  404  404  200  200  200",
    "/attachments/{image}/thumbnail/":              " L  404  404  404  404  404  200  200  200",
    "/attachments/{image}/{image_name}":            " L  404  404  404  404  404  200  200  200",
    "/attachments/{file}/{file_name}":              " L  404  404  404  404  404  200  200  200",
    "/attachments/{file}/other-name.txt":           " L  404  404  404  404  404  200  200  200",
    "/attachments/{file}/thumbnail/":               " L  404  404  404  404  404  404  404  404",
    "/feed/communities/{slug}/":                    " L  404  404  404  404   D    D    D    D",
    "/feed/communities/{slug}/?after={cursor} htmx": " L  404  404  404  404  200  200  200  200",
    "/posts/mentions/?q=tester&community={slug}":   " L  404  404  404  404  200  200  200  200",
    "/posts/mentions/?q=tester&post={post}":        " L  404  404  404  404  404  200  200  200",
    "/posts/mentions/?q=tester&post={deleted}":     " L  404  404  404  404  404  404  404  404",
    # A tag written only in the private community: as if nobody wrote it, for outsiders.
    "/feed/tags/canarytag/":                        " L  404  404  404  404  404  200  200  200",
    "/feed/tags/canarytag/?after={cursor} htmx":    " L  404  404  404  404  404  200  200  200",
    # Pages of everyone: the private content is simply absent from them for outsiders.
    "/":                                            " L  200  200  200  200  200  200  200  200",
    "/?after={cursor} htmx":                        " L  200  200  200  200  200  200  200  200",
    "/feed/company/":                               " L  200  200  200  200  200  200  200  200",
    "/feed/bookmarks/":                             " L  200  200  200  200  200  200  200  200",
    "/feed/bookmarks/?after={saved_cursor} htmx":   " L  200  200  200  200  200  200  200  200",
    "/feed/deleted/":                               " L  200  200  200  200  200  200  200  200",
    "/feed/deleted/?community={slug}":              " L  404  404  404  404  200  200  200  200",
    "/feed/people/{own}/":                          " L  200  200  200  200  200  200  200  200",
    "/feed/people/{own}/?after={cursor} htmx":      " L  200  200  200  200  200  200  200  200",
    "/feed/people/{mem}/":                          " L  200  200  200  200  200  200  200  200",
    "/feed/people/{mem}/?show=praise":              " L  200  200  200  200  200  200  200  200",
    "/people/{mem}/":                               " L  200  200  200  200  200  200  200  200",
    "/people/{own}/":                               " L  200  200  200  200  200  200  200  200",
    "/people/{left}/":                              " L  200  200  200  200  200  200  200  200",
    "/posts/mentions/?q=tester":                    " L  200  200  200  200  200  200  200  200",
    "/posts/{public}/":                             " L  200  200  200  200  200  200  200  200",
    "/posts/{public}/share/":                       " L  200  200  200  200  200  200  200  200",
    "/notifications/":                              " L  200  200  200  200  200  200  200  200",
    "/notifications/count/":                        " L  200  200  200  200  200  200  200  200",
    # What the live layer asks for: a card afresh, the posts newer than those on screen.
    "/posts/{post}/card/":                          " L  404  404  404  404  404  200  200  200",
    "/posts/{deleted}/card/":                       " L  404  404  404  404  404  404  404  404",
    "/feed/newer/?feed=community&subject={community}&since=0 htmx": " L  200  200  200  200  200  200  200  200",
    "/feed/newer/?feed=community&subject={community}&since=0&count=1": " L  200  200  200  200  200  200  200  200",
    "/feed/newer/?feed=hashtag&subject={hashtag}&since=0 htmx": " L  200  200  200  200  200  200  200  200",
    "/feed/newer/?feed=home&since=0 htmx":          " L  200  200  200  200  200  200  200  200",
    "/feed/home-sources/":                          " L  200  200  200  200  200  200  200  200",
    "/feed/newer/?feed=profile&subject={own}&since=0 htmx": " L  200  200  200  200  200  200  200  200",
    # After a reconnection: what changed among the posts and comments on screen (null: gone).
    "/feed/changes/?missed=0&posts={post},{poll}&comments={comment}": " L  200  200  200  200  200  200  200  200",
}

# POSTs: route, what is posted (see `post_data`). "<code><+|=>": "+" the POST changed
# something, "=" it changed nothing (a "404" or an "L" never changes anything).
# route (POST), what:                                    anon out  left rem  ban  inv   mem   own   adm
POST_MATRIX = {
    ("/posts/{post}/react/", "react"):                   " L  404  404  404  404  404   302+  302+  302+",
    ("/posts/{post}/bookmark/", "save"):                 " L  404  404  404  404  404   302=  302+  302+",
    ("/posts/{poll}/vote/", "vote"):                     " L  404  404  404  404  404   302+  302+  302+",
    ("/posts/{post}/comments/", "comment"):              " L  404  404  404  404  404   302+  302+  302+",
    ("/posts/{post}/comments/", "reply"):                " L  404  404  404  404  404   302+  302+  302+",
    ("/comments/{comment}/react/", "react"):             " L  404  404  404  404  404   302+  302+  302+",
    ("/comments/{comment}/edit/", "comment"):            " L  404  404  404  404  404   302+  404   404",
    ("/comments/{comment}/delete/", "nothing"):          " L  404  404  404  404  404   302+  302+  302+",
    ("/comments/{old_comment}/delete/", "nothing"):      " L  404  404  404  404  404   404   302+  302+",
    ("/posts/{post}/edit/", "edit"):                     " L  404  404  404  404  404   404   302+  404",
    ("/posts/{question}/best-answer/", "answer"):        " L  404  404  404  404  404   302+  302+  302+",
    ("/posts/{post}/share/", "share_here"):              " L  404  404  404  404  404   302+  302+  302+",
    # Sharing a public post into the private community: only its members may.
    ("/posts/{public}/share/", "share_here"):            " L  200= 200= 200= 200= 200=  302+  302+  302+",
    ("/feed/tags/canarytag/follow/", "follow"):          " L  404  404  404  404  404   302+  302+  302+",
    ("/posts/new/", "compose"):                          " L  404  404  404  404  400=  302+  302+  302+",
}

# Moderation: the author or the community's moderators delete, its moderators pin and
# restore (site admins everywhere).
# route (POST), what:                                    anon out  left rem  ban  inv   mem   own   adm
MODERATION_MATRIX = {
    ("/posts/{post}/pin/", "pin"):                       " L  404  404  404  404  404   404   302+  302+",
    ("/posts/{post}/delete/", "nothing"):                " L  404  404  404  404  404   404   302+  302+",
    ("/posts/{deleted}/restore/", "nothing"):            " L  404  404  404  404  404   404   302+  302+",
}
# fmt: on


def outcomes(line: str) -> dict[str, str]:
    cells = line.split()
    assert len(cells) == len(VISITORS), line
    return dict(zip(VISITORS, cells, strict=True))


@dataclass
class World:
    users: dict  # visitor -> user (None for anon)
    clients: dict  # visitor -> Client
    community: object  # the private community
    ids: dict  # what the routes are formatted with
    poll_options: dict  # label -> option id


def _person(visitor: str, **fields):
    user = UserFactory(email=f"{visitor}@example.com", first_name=visitor.capitalize(), last_name="Tester", **fields)
    profile = ProfileFactory(user=user)
    profile_refresh_search(profile=profile)  # what sign-up does: mention autocomplete searches it
    return user


def png(name: str):
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "purple").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def text_file(name: str, content: str):
    return SimpleUploadedFile(name, content.encode(), content_type="text/plain")


def _join(owner, community, user):
    membership_transition(actor=owner, community=community, user=user, action="invite")
    membership_transition(actor=user, community=community, user=user, action="accept")


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    users = {"anon": None}
    for visitor in VISITORS[1:-1]:
        users[visitor] = _person(visitor)
    users["adm"] = _person("adm", is_staff=True, is_superuser=True)
    own, mem = users["own"], users["mem"]
    private = community_create(actor=own, name="Hidden Lab", description="Members only.", visibility="private")
    garden = community_create(actor=own, name="Open Garden", visibility="public")
    for visitor in ("mem", "left", "rem", "ban"):
        _join(own, private, users[visitor])
    membership_transition(actor=own, community=private, user=users["inv"], action="invite")
    follow_create(actor=users["out"], followee=own)

    post = feeds.post_create(
        actor=own,
        community=private,
        body=f"{POST_FIRST} #{HASHTAG} @out @mem",
        uploads=[png(f"chart-{CANARY}.png"), text_file(FILE_NAME, FILE_CONTENT)],
    )
    feeds.post_update(actor=own, post=post, body=f"{POST_BODY} #{HASHTAG} @out @mem")
    comment = feeds.comment_create(actor=mem, post=post, body=COMMENT_BODY)
    old_comment = feeds.comment_create(actor=users["left"], post=post, body=OLD_COMMENT_BODY)
    feeds.reaction_set(actor=mem, post=post, kind="like")
    feeds.reaction_set(actor=users["left"], post=post, kind="celebrate")
    feeds.reaction_set(actor=own, comment=comment, kind="like")
    poll = feeds.post_create(
        actor=mem, community=private, kind=Kind.POLL, body="Which day?", poll_options=[POLL_OPTION, "Friday"]
    )
    options = dict(poll.poll_options.values_list("label", "pk"))
    feeds.poll_vote(actor=mem, post=poll, option_ids=[options["Friday"]])
    feeds.poll_vote(actor=users["left"], post=poll, option_ids=[options[POLL_OPTION]])
    question = feeds.post_create(actor=mem, community=private, kind=Kind.QUESTION, body=QUESTION_BODY)
    answer = feeds.comment_create(actor=own, post=question, body=ANSWER_BODY)
    praise = feeds.post_create(
        actor=own, community=private, kind=Kind.PRAISE, body=PRAISE_BODY, badge=Badge.MENTOR, recipients=[mem]
    )
    public = feeds.post_create(actor=own, community=garden, body=PUBLIC_BODY)
    feeds.post_create(actor=own, community=None, body=COMPANY_BODY)
    share = feeds.post_create(actor=mem, community=private, kind=Kind.SHARE, body=SHARE_BODY, shared_post=public)
    deleted = feeds.post_create(actor=own, community=private, body=DELETED_BODY)
    feeds.post_delete(actor=own, post=deleted)
    for visitor in ("mem", "left"):
        feeds.bookmark_set(actor=users[visitor], post=post, saved=True)
        feeds.bookmark_set(actor=users[visitor], post=public, saved=True)

    membership_transition(actor=users["left"], community=private, user=users["left"], action="leave")
    membership_transition(actor=own, community=private, user=users["rem"], action="remove")
    membership_transition(actor=own, community=private, user=users["ban"], action="ban")

    image = post.attachments.get(is_image=True)
    file = post.attachments.get(is_image=False)
    assert (image.name, file.name) == (IMAGE_NAME, FILE_NAME)
    later = (timezone.now() + timedelta(days=1)).isoformat()
    ids = {
        "post": post.pk,
        "comment": comment.pk,
        "old_comment": old_comment.pk,
        "answer": answer.pk,
        "poll": poll.pk,
        "question": question.pk,
        "praise": praise.pk,
        "share": share.pk,
        "deleted": deleted.pk,
        "public": public.pk,
        "image": image.pk,
        "image_name": image.name,
        "file": file.pk,
        "file_name": file.name,
        "slug": private.slug,
        "community": private.pk,
        "hashtag": post.hashtags.get().pk,
        "own": own.pk,
        "mem": mem.pk,
        "left": users["left"].pk,
        # "Everything older than tomorrow": the second page holds every post.
        "cursor": encode_cursor([later, 2**31]),
        "saved_cursor": encode_cursor([later, 2**31]),
    }
    # Every notification the world's activity makes (mentions, comments, reactions...) is
    # written, as the Celery task would: the notification pages are in the canary test too.
    facts_sweep(older_than=timedelta(0))
    clients = {"anon": Client()}
    for visitor in VISITORS[1:]:
        clients[visitor] = Client()
        clients[visitor].force_login(users[visitor])
    return World(users, clients, private, ids, options)


def _split(key: str) -> tuple[str, dict]:
    if key.endswith(" htmx"):
        return key.removesuffix(" htmx"), HTMX
    return key, {}


def _outcome(response, world: World) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/accounts/login/?next="):
            return "L"
        if location == f"/communities/{world.community.slug}/":
            return "D"
        return f"302:{location}"
    return str(response.status_code)


def post_data(world: World, what: str) -> dict:
    return {
        "react": {"kind": "insightful"},
        "save": {"saved": "1"},
        "vote": {"option": str(world.poll_options[POLL_OPTION])},
        "comment": {"body": "A new comment."},
        "reply": {"body": "A reply.", "parent": str(world.ids["comment"])},
        "edit": {"body": "Rewritten."},
        "pin": {"pinned": "1"},
        "answer": {"comment": str(world.ids["answer"])},
        "share_here": {"community": world.community.slug, "body": "Look."},
        "compose": {"community": world.community.slug, "kind": "post", "body": "Hello."},
        "follow": {"follow": "1"},
        "nothing": {},
    }[what]


def snapshot():
    """Everything a feeds POST could change."""
    return (
        list(Post.objects.order_by("pk").values_list("pk", "body", "deleted_at", "pinned_at", "best_answer_id")),
        list(Comment.objects.order_by("pk").values_list("pk", "body", "deleted_at")),
        list(Reaction.objects.order_by("pk").values_list("user_id", "post_id", "comment_id", "kind")),
        list(Bookmark.objects.order_by("pk").values_list("user_id", "post_id")),
        list(PollVote.objects.order_by("pk").values_list("user_id", "option_id")),
        list(HashtagFollow.objects.order_by("pk").values_list("user_id", "hashtag_id")),
        PostRevision.objects.count(),
    )


def test_every_feeds_route_is_in_the_matrices():
    """Each feeds route is asked about the private community's content, by GET or POST."""
    from tests.test_privacy_matrix import all_routes

    def pattern(url: str) -> str:
        path = url.split("?")[0].lstrip("/")
        path = re.sub(r"^(feed/people|people)/\{\w+\}/", r"\1/<int:user_id>/", path)
        path = re.sub(r"^posts/\{\w+\}/", "posts/<int:post_id>/", path)
        path = re.sub(r"^comments/\{\w+\}/", "comments/<int:comment_id>/", path)
        path = re.sub(r"^attachments/\{\w+\}/(?!thumbnail/)[^/]+$", "attachments/<int:attachment_id>/<str:name>", path)
        path = re.sub(r"^attachments/\{\w+\}/thumbnail/", "attachments/<int:attachment_id>/thumbnail/", path)
        path = re.sub(r"^feed/tags/\w+/", "feed/tags/<str:name>/", path)
        return path.replace("{slug}", "<slug:slug>")

    feeds_routes = {
        route
        for route in all_routes()
        if route.startswith(("feed/", "posts/", "comments/", "attachments/")) or route == ""
    }
    asked = {pattern(_split(key)[0]) for key in GET_MATRIX} | {
        pattern(route) for route, _what in (*POST_MATRIX, *MODERATION_MATRIX)
    }
    # The preview renders what is sent: it is about nothing stored.
    asked |= {"posts/preview/"}
    assert feeds_routes - asked == set()


def test_get_matrix(world):
    wrong = []
    for key, line in GET_MATRIX.items():
        route, headers = _split(key)
        url = route.format(**world.ids)
        for visitor, want in outcomes(line).items():
            got = _outcome(world.clients[visitor].get(url, **headers), world)
            if got != want:
                wrong.append(f"{visitor} GET {url} {headers}: expected {want}, got {got}")
    assert wrong == [], "\n".join(wrong)


def _post_matrix(world, matrix):
    wrong = []
    for (route, what), line in matrix.items():
        url = route.format(**world.ids)
        for visitor, want in outcomes(line).items():
            with transaction.atomic():
                before = snapshot()
                response = world.clients[visitor].post(url, post_data(world, what))
                got = _outcome(response, world)
                changed = snapshot() != before
                transaction.set_rollback(True)
            if got.startswith("302:") or got == "D":
                got = "302"
            if got in ("302", "200", "400"):
                got += "+" if changed else "="
            elif changed:
                got += " (and changed something)"
            if got != want:
                wrong.append(f"{visitor} POST {url} {what}: expected {want}, got {got}")
    return wrong


def test_post_matrix(world):
    wrong = _post_matrix(world, POST_MATRIX)
    assert wrong == [], "\n".join(wrong)


def test_moderation_matrix(world):
    wrong = _post_matrix(world, MODERATION_MATRIX)
    assert wrong == [], "\n".join(wrong)


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _exposed(response, asked: str = "") -> bytes:
    """Everything a response shows: its body and every header (Content-Disposition, Location...),
    less the visitor's own request echoed back (the sign-in redirect's `next`)."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    shown = headers.encode() + b"\n" + _content(response)
    for echo in {asked, quote(asked, safe="/"), quote(asked, safe="")} - {""}:
        shown = shown.replace(echo.encode(), b"")
    return shown


def _leaks(world: World, visitor: str) -> list[str]:
    client = world.clients[visitor]
    found = []
    for url in dict.fromkeys(_split(key)[0].format(**world.ids) for key in GET_MATRIX):
        for headers in ({}, HTMX):
            response = client.get(url, **headers)
            if CANARY.encode() in _exposed(response, url):
                found.append(f"GET {url} {headers}")
    for (route, what), _line in (*POST_MATRIX.items(), *MODERATION_MATRIX.items()):
        url = route.format(**world.ids)
        for headers in ({}, HTMX):
            with transaction.atomic():
                response = client.post(url, post_data(world, what), follow=True, **headers)
                shown = b"".join(location.encode() for location, _status in response.redirect_chain)
                if CANARY.encode() in shown + _exposed(response):
                    found.append(f"POST {url} {what} {headers}")
                transaction.set_rollback(True)
    return found


@pytest.mark.parametrize("visitor", OUTSIDERS)
def test_the_canary_never_reaches_those_who_may_not_see_it(world, visitor):
    assert _leaks(world, visitor) == []


def _get(world: World, visitor: str, url: str, **headers):
    response = world.clients[visitor].get(url.format(**world.ids), **headers)
    assert response.status_code == 200, (visitor, url, response.status_code)
    return response


def _text(response) -> str:
    return _content(response).decode()


@pytest.mark.parametrize("visitor", READERS)
def test_the_canary_reaches_those_who_may_see_it(world, visitor):
    """Each page of the canary test does show the private content to its readers, so its
    absence for the others means something."""
    detail = _text(_get(world, visitor, "/posts/{post}/"))
    for text in (POST_BODY, COMMENT_BODY, OLD_COMMENT_BODY, FILE_NAME, IMAGE_NAME):
        assert text in detail, (visitor, text)
    for headers in ({}, HTMX):
        assert COMMENT_BODY in _text(_get(world, visitor, "/posts/{post}/comments/", **headers))
    assert POLL_OPTION in _text(_get(world, visitor, "/posts/{poll}/"))
    assert QUESTION_BODY in _text(_get(world, visitor, "/posts/{question}/"))
    assert ANSWER_BODY in _text(_get(world, visitor, "/posts/{question}/"))
    assert PRAISE_BODY in _text(_get(world, visitor, "/posts/{praise}/"))
    shared = _text(_get(world, visitor, "/posts/{share}/"))
    assert SHARE_BODY in shared and PUBLIC_BODY in shared
    assert POST_BODY in _text(_get(world, visitor, "/posts/{post}/share/"))
    assert POST_BODY in _text(_get(world, visitor, "/feed/communities/{slug}/?after={cursor}", **HTMX))
    assert POST_BODY in _text(_get(world, visitor, f"/feed/tags/{HASHTAG}/"))
    assert POST_BODY in _text(_get(world, visitor, "/feed/people/{own}/"))
    assert PRAISE_BODY in _text(_get(world, visitor, "/feed/people/{mem}/?show=praise"))
    assert PRAISE_BODY in _text(_get(world, visitor, "/people/{mem}/"))
    newer = "/feed/newer/?feed=community&subject={community}&since=0"
    assert POST_BODY in _text(_get(world, visitor, newer, **HTMX))
    assert json.loads(_text(_get(world, visitor, newer + "&count=1")))["count"] > 0
    assert POST_BODY in _text(_get(world, visitor, "/posts/{post}/card/"))
    changes = json.loads(_text(_get(world, visitor, "/feed/changes/?missed=0&posts={post}&comments={comment}")))
    assert POST_BODY in changes["posts"][str(world.ids["post"])]
    assert COMMENT_BODY in changes["comments"][str(world.ids["comment"])]
    assert "Left Tester" in _text(_get(world, visitor, "/posts/{post}/reactions/"))
    assert "Own Tester" in _text(_get(world, visitor, "/comments/{comment}/reactions/"))

    download = _get(world, visitor, "/attachments/{file}/{file_name}")
    assert _content(download) == FILE_CONTENT.encode()
    assert download["Content-Disposition"] == f'attachment; filename="{FILE_NAME}"'
    assert download["Content-Type"] == "application/octet-stream"
    for url in ("/attachments/{image}/{image_name}", "/attachments/{image}/thumbnail/"):
        image = _get(world, visitor, url)
        assert image["Content-Type"] == "image/webp"
        assert image["Content-Disposition"] == f'inline; filename="{IMAGE_NAME}"'
        assert _content(image).startswith(b"RIFF")


def test_members_see_the_private_posts_in_their_feeds(world):
    home = _text(_get(world, "mem", "/"))
    for text in (POST_BODY, PRAISE_BODY, QUESTION_BODY, SHARE_BODY):
        assert text in home, text
    bookmarks = _text(_get(world, "mem", "/feed/bookmarks/"))
    assert POST_BODY in bookmarks and PUBLIC_BODY in bookmarks
    # Two people saved the post: it is listed once, as the member's own.
    assert bookmarks.count(f'id="post-{world.ids["post"]}"') == 1
    # The company feed holds what everyone may read: not a private community's posts.
    company = _text(_get(world, "mem", "/feed/company/"))
    assert PUBLIC_BODY in company and CANARY not in company


def test_moderators_and_admins_find_the_deleted_post(world):
    for visitor in ("own", "adm"):
        assert DELETED_BODY in _text(_get(world, visitor, "/feed/deleted/")), visitor
        assert DELETED_BODY in _text(_get(world, visitor, "/posts/{deleted}/history/")), visitor
    # The edit history keeps the text before the edit.
    assert POST_FIRST in _text(_get(world, "own", "/posts/{post}/history/"))
    assert DELETED_BODY in _text(_get(world, "own", "/feed/deleted/?community={slug}"))
    # A member who moderates nothing has nothing on that page.
    for url in ("/feed/deleted/", "/feed/deleted/?community={slug}"):
        page = _text(_get(world, "mem", url))
        assert CANARY not in page and "No deleted posts." in page


def test_a_former_member_loses_their_bookmark_of_a_private_post(world):
    """A member saves the post and sees it in their bookmarks; once they leave, it is gone
    from them (the row stays: access is decided when reading)."""
    joiner = _person("joiner")
    _join(world.users["own"], world.community, joiner)
    client = Client()
    client.force_login(joiner)
    post_id = world.ids["post"]
    response = client.post(f"/posts/{post_id}/bookmark/", {"saved": "1"})
    assert response.status_code == 302
    assert POST_BODY in _text(client.get("/feed/bookmarks/"))

    response = client.post(f"/communities/{world.community.slug}/membership/", {"action": "leave"})
    assert response.status_code == 302
    assert Bookmark.objects.filter(user=joiner, post_id=post_id).exists()
    for headers in ({}, HTMX):
        page = _text(client.get("/feed/bookmarks/", **headers))
        assert CANARY not in page and f"post-{post_id}" not in page
    assert client.get(f"/posts/{post_id}/").status_code == 404
    # The one who left earlier: the public post they saved is still there, the private one is not.
    bookmarks = _text(_get(world, "left", "/feed/bookmarks/"))
    assert PUBLIC_BODY in bookmarks and CANARY not in bookmarks


def test_a_followed_authors_private_posts_stay_out_of_a_non_members_home_feed(world):
    home = _text(_get(world, "out", "/"))
    # The outsider follows the owner: the owner's public posts are there...
    assert PUBLIC_BODY in home and COMPANY_BODY in home
    # ...the private ones are not, nor the share into the private community.
    assert CANARY not in home
    profile_posts = _text(_get(world, "out", "/feed/people/{own}/"))
    assert PUBLIC_BODY in profile_posts and CANARY not in profile_posts
    # Even following its hashtag (say, from when the tag was also on a public post) brings nothing in.
    HashtagFollow.objects.create(user=world.users["out"], hashtag=Post.objects.get(pk=world.ids["post"]).hashtags.get())
    assert CANARY not in _text(_get(world, "out", "/"))


def _names(response) -> set[str]:
    return {
        f"{visitor.capitalize()} Tester"
        for visitor in VISITORS[1:]
        if f"{visitor.capitalize()} Tester" in _text(response)
    }


def test_mention_autocomplete_offers_only_the_private_communitys_members(world):
    members = {"Mem Tester", "Own Tester"}
    for visitor in READERS:
        for query in ("q=tester&community={slug}", "q=tester&post={post}", "q=tester&post={comment_post}"):
            ids = {**world.ids, "comment_post": world.ids["question"]}
            response = world.clients[visitor].get(f"/posts/mentions/?{query}".format(**ids))
            assert response.status_code == 200
            assert _names(response) == members, (visitor, query)
    # Where everyone reads, everyone is offered (so the test above does filter something).
    assert _names(_get(world, "mem", "/posts/mentions/?q=tester")) == {
        f"{visitor.capitalize()} Tester" for visitor in VISITORS[1:]
    }
    # Outsiders asking about the private community or its post: nothing there.
    for visitor in OUTSIDERS[1:]:
        for query in ("q=tester&community={slug}", "q=tester&post={post}", "q=mem&community={slug}"):
            response = world.clients[visitor].get(f"/posts/mentions/?{query}".format(**world.ids))
            if visitor == "inv" and "community=" in query:
                # Invited people see the community and who is in it, not what its members wrote.
                assert response.status_code == 200 and _names(response) <= members, (visitor, query)
                continue
            assert response.status_code == 404, (visitor, query)
            assert "Tester" not in _text(response)


def test_praise_in_a_private_community_is_not_on_the_recipients_profile_for_outsiders(world):
    for visitor in OUTSIDERS[1:]:
        profile = _text(_get(world, visitor, "/people/{mem}/"))
        assert PRAISE_BODY not in profile and CANARY not in profile, visitor
        assert "No praise yet." in profile, visitor
        praise = _text(_get(world, visitor, "/feed/people/{mem}/?show=praise"))
        # The empty state: nothing of the private praise.
        assert CANARY not in praise and "thank them for something with a praise post." in praise, visitor
    assert PRAISE_BODY in _text(_get(world, "mem", "/people/{mem}/"))


def test_a_public_post_that_shares_nothing_private_is_visible_to_all(world):
    for visitor in VISITORS[1:]:
        response = _get(world, visitor, "/posts/{public}/")
        assert PUBLIC_BODY in _text(response), visitor
        assert PUBLIC_BODY in _text(_get(world, visitor, "/feed/company/")), visitor
    assert world.clients["anon"].get(f"/posts/{world.ids['public']}/").status_code == 302


def test_a_share_of_a_public_post_into_the_private_community_stays_inside(world):
    share_id = world.ids["share"]
    for visitor in OUTSIDERS[1:]:
        client = world.clients[visitor]
        assert client.get(f"/posts/{share_id}/").status_code == 404, visitor
        for url in (f"/posts/{world.ids['public']}/", "/feed/company/", "/", f"/feed/people/{world.ids['mem']}/"):
            page = _text(client.get(url))
            assert SHARE_BODY not in page and f"post-{share_id}" not in page, (visitor, url)
    assert SHARE_BODY in _text(_get(world, "mem", "/posts/{share}/"))


def test_a_share_made_before_its_community_turned_private_no_longer_shows_the_original(world):
    """An outsider shared a public community's post company-wide; then the community was
    made private. The share stays, the original (text and files) is gone for outsiders."""
    own, out = world.users["own"], world.users["out"]
    turning = community_create(actor=own, name="Turning Garden", visibility="public")
    original = feeds.post_create(
        actor=own,
        community=turning,
        body=f"Soon private {CANARY}",
        uploads=[text_file(f"soon-{CANARY}.txt", FILE_CONTENT)],
    )
    share = feeds.post_create(actor=out, community=None, kind=Kind.SHARE, body="Worth a look", shared_post=original)
    attachment = original.attachments.get()
    client = world.clients["out"]
    assert CANARY in _text(client.get(f"/posts/{share.pk}/"))

    community_update(actor=own, community=turning, changes={"visibility": "private"})

    for url in (f"/posts/{share.pk}/", "/feed/company/", "/", f"/feed/people/{out.pk}/", f"/people/{out.pk}/"):
        page = _text(_get(world, "out", url))
        assert "Worth a look" in page, url
        assert CANARY not in page, url
    assert "The shared post is no longer available." in _text(client.get(f"/posts/{share.pk}/"))
    for url in (
        f"/posts/{original.pk}/",
        f"/posts/{share.pk}/share/",
        f"/attachments/{attachment.pk}/{attachment.name}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert CANARY.encode() not in _exposed(response, url), url
    # Its members still see the original inside the share.
    assert f"Soon private {CANARY}" in _text(_get(world, "own", f"/posts/{share.pk}/"))


def test_a_private_posts_files_are_gone_once_access_is_lost(world):
    """Checked on every request: the removal takes effect at once for downloads too."""
    client = world.clients["mem"]
    urls = [
        "/attachments/{file}/{file_name}".format(**world.ids),
        "/attachments/{image}/{image_name}".format(**world.ids),
        "/attachments/{image}/thumbnail/".format(**world.ids),
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    membership_transition(actor=world.users["own"], community=world.community, user=world.users["mem"], action="remove")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404
        assert CANARY.encode() not in _exposed(response)


def test_a_hashtag_written_only_in_a_private_community_does_not_exist_for_outsiders(world):
    """Its name alone can say too much: the same 404 as a tag nobody wrote."""
    for visitor in OUTSIDERS[1:]:
        client = world.clients[visitor]
        assert client.get("/feed/tags/no-such-tag/").status_code == 404
        assert client.get(f"/feed/tags/{HASHTAG}/").status_code == 404, visitor
        assert client.post(f"/feed/tags/{HASHTAG}/follow/", {"follow": "1"}).status_code == 404, visitor
        assert not HashtagFollow.objects.filter(user=world.users[visitor]).exists()


def test_a_hashtag_of_the_private_community_works_for_its_readers(world):
    for visitor in READERS:
        client = world.clients[visitor]
        assert POST_BODY in _text(client.get(f"/feed/tags/{HASHTAG}/"))
        response = client.post(f"/feed/tags/{HASHTAG}/follow/", {"follow": "1"})
        assert response.status_code == 302 and response["Location"] == f"/feed/tags/{HASHTAG}/"
