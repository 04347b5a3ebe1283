"""The feeds through HTTP (django.test.Client): the composer (whole pages and htmx
fragments, errors that keep the draft), every post and comment action, the feed pages,
mentions autocomplete, attachment downloads and their headers, and constant query counts."""

import html
import re

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_update, membership_transition
from apps.feeds.models import (
    Attachment,
    Bookmark,
    Comment,
    HashtagFollow,
    Kind,
    PollOption,
    Post,
    PostRevision,
    Reaction,
)
from apps.feeds.services import (
    bookmark_set,
    comment_create,
    post_create,
    post_update,
    reaction_set,
)
from tests.factories import CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def create(actor, community=None, body="Hello", **kwargs) -> Post:
    return post_create(actor=actor, community=community, body=body, **kwargs)


def soft_delete(post, by) -> None:
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=by)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def share_targets(page: str) -> list[str]:
    select = re.search(r'<select name="community"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


# ================================================================ the composer


def test_composer_post_redirects_to_where_it_was_written(anna, public):
    client = signed_in(anna)
    response = client.post("/posts/new/", {"kind": "post", "body": "Hello **all**"}, follow=True)
    post = Post.objects.get()
    assert response.redirect_chain == [("/", 302)]
    assert "Posted." in text(response)
    assert (post.author, post.community, post.body_html) == (anna, None, "<p>Hello <strong>all</strong></p>")
    response = client.post("/posts/new/", {"kind": "post", "community": public.slug, "body": "Here"})
    assert response["Location"] == f"/communities/{public.slug}/"
    response = client.post("/posts/new/", {"kind": "post", "body": "Next", "next": "/feed/company/"})
    assert response["Location"] == "/feed/company/"
    response = client.post("/posts/new/", {"kind": "post", "body": "Away", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"


def test_composer_htmx_returns_a_fresh_composer_and_the_new_post_out_of_band(anna, public):
    response = signed_in(anna).post(
        "/posts/new/", {"kind": "post", "community": public.slug, "body": "Hi #team"}, **HTMX
    )
    post = Post.objects.get()
    body = text(response)
    assert response.status_code == 200
    assert '<form id="composer"' in body
    assert 'hx-swap-oob="afterbegin:#feed-items"' in body
    assert f'id="post-{post.pk}"' in body
    assert 'class="hashtag"' in body
    # The new composer is empty.
    assert re.search(r"<textarea[^>]*name=\"body\"[^>]*>\s*</textarea>", body)


def test_composer_htmx_error_keeps_the_draft_and_says_what_is_wrong(anna):
    response = signed_in(anna).post(
        "/posts/new/",
        {"kind": "poll", "body": "Lunch on *Friday*?", "poll_option": ["Pizza", "pizza"]},
        **HTMX,
    )
    body = text(response)
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#composer", "outerHTML")
    assert "A poll needs at least two different options." in body
    assert "Lunch on *Friday*?</textarea>" in body
    assert 'value="Pizza"' in body and 'value="pizza"' in body
    assert not Post.objects.exists()


def test_composer_page_error_keeps_the_draft_and_asks_for_the_files_again(anna):
    response = signed_in(anna).post(
        "/posts/new/",
        {"kind": "post", "body": "My holiday", "files": [upload("evil.svg", b"<svg/>", "image/svg+xml")]},
    )
    body = text(response)
    assert response.status_code == 400
    assert "Your post was not published" in body
    assert "evil.svg: this kind of file is not accepted." in body
    assert "Your files were not kept: please attach them again." in body
    assert "My holiday</textarea>" in body
    assert not Post.objects.exists()


def test_composer_without_a_body(anna):
    response = signed_in(anna).post("/posts/new/", {"kind": "post", "body": "  "}, **HTMX)
    assert "Write something first." in text(response)
    assert "Your files were not kept" not in text(response)


def test_composer_of_a_non_member(anna, carol, public):
    response = signed_in(carol).post("/posts/new/", {"kind": "post", "community": public.slug, "body": "Hi"})
    assert response.status_code == 400
    assert "Your post was not published" in text(response)
    assert not Post.objects.exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_composer_error_after_losing_the_right_to_post_keeps_the_draft(admin, bob, public, htmx):
    from apps.communities.services import community_archive

    client = signed_in(bob)
    community_archive(actor=admin, community=public, archived=True)
    response = client.post(
        "/posts/new/",
        {"kind": "post", "community": public.slug, "body": "My long draft"},
        **(HTMX if htmx else {}),
    )
    assert "This community is archived: nothing new can be posted." in text(response)
    assert "My long draft" in text(response)


def test_composer_for_a_private_community_one_does_not_see_is_a_404(carol, private):
    response = signed_in(carol).post("/posts/new/", {"kind": "post", "community": private.slug, "body": "Hi"})
    assert response.status_code == 404


def test_composer_with_an_image(anna, png):
    response = signed_in(anna).post("/posts/new/", {"kind": "post", "body": "Look", "files": [png()]}, **HTMX)
    attachment = Attachment.objects.get()
    assert attachment.is_image
    assert f"/attachments/{attachment.pk}/thumbnail/" in text(response)


def test_composer_praise_resolves_its_recipients(anna, bob):
    client = signed_in(anna)
    response = client.post(
        "/posts/new/", {"kind": "praise", "body": "Great work", "badge": "mentor", "recipients": "@bob.stone"}
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert list(post.praise_recipients.values_list("user", flat=True)) == [bob.pk]
    response = client.post(
        "/posts/new/", {"kind": "praise", "body": "Great", "badge": "mentor", "recipients": "@bob.stone, @zed"}
    )
    assert response.status_code == 400
    assert "Nobody found for: zed." in text(response)


def test_only_who_may_announce_gets_the_announcement_choice(anna, admin):
    response = signed_in(anna).post("/posts/new/", {"kind": "announcement", "body": "Hear ye"})
    assert response.status_code == 400
    assert not Post.objects.exists()
    assert 'value="announcement"' not in text(signed_in(anna).get("/"))
    assert 'value="announcement"' in text(signed_in(admin).get("/"))
    signed_in(admin).post("/posts/new/", {"kind": "announcement", "body": "Hear ye", "pinned": "on"})
    post = Post.objects.get()
    assert (post.kind, post.pinned_at is not None) == (Kind.ANNOUNCEMENT, True)


def test_a_poll_of_eleven_options_is_refused_not_cut(anna):
    options = [f"Option {i}" for i in range(11)]
    response = signed_in(anna).post("/posts/new/", {"kind": "poll", "body": "Pick", "poll_option": options})
    assert response.status_code == 400
    assert "A poll has at most 10 options." in text(response)


def test_the_size_limit_is_stated_the_same_way_everywhere(anna, settings):
    settings.ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
    client = signed_in(anna)
    promised = re.search(r"files of ([\d.]+\s[KM]B) each", text(client.get("/"))).group(1)
    response = client.post(
        "/posts/new/", {"kind": "post", "body": "Big", "files": [upload("big.pdf", b"x" * (5 * 1024 * 1024 + 1))]}
    )
    stated = re.search(r"the limit is ([\d.]+\s[KM]B)\.", text(response)).group(1)
    assert stated == promised == "5.0\xa0MB"


def test_preview(anna, bob):
    client = signed_in(anna)
    response = client.post("/posts/preview/", {"body": "**Hi** @bob.stone <script>x</script>"})
    body = response.content.decode()
    assert "<strong>Hi</strong>" in body
    assert f'href="/people/{bob.pk}/" class="mention"' in body
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert not Post.objects.exists()
    assert "Nothing to preview." in text(client.post("/posts/preview/", {"body": ""}))


# ================================================================ a post and its actions


def test_post_detail(anna, bob, carol, public, private):
    post = create(anna, public, "Visible **to all**")
    comment_create(actor=bob, post=post, body="First!")
    response = signed_in(carol).get(f"/posts/{post.pk}/")
    assert response.status_code == 200
    assert "Visible <strong>to all</strong>" in text(response)
    assert "First!" in text(response)
    assert "Join the community to comment." in text(response)
    secret = create(anna, private, "Secret")
    assert signed_in(carol).get(f"/posts/{secret.pk}/").status_code == 404
    soft_delete(post, anna)
    assert signed_in(anna).get(f"/posts/{post.pk}/").status_code == 404
    assert signed_in(anna).get("/posts/999999/").status_code == 404


def test_edit_by_the_author(anna, public):
    post = create(anna, public, "Frist")
    client = signed_in(anna)
    assert "Frist</textarea>" in text(client.get(f"/posts/{post.pk}/edit/"))
    response = client.post(f"/posts/{post.pk}/edit/", {"body": "First"}, follow=True)
    assert response.redirect_chain == [(f"/posts/{post.pk}/", 302)]
    assert "Post updated." in text(response)
    assert Post.objects.get(pk=post.pk).body == "First"
    assert list(PostRevision.objects.values_list("body", flat=True)) == ["Frist"]
    response = client.post(f"/posts/{post.pk}/edit/", {"body": " "})
    assert response.status_code == 200
    assert "Write something first." in text(response)


@pytest.mark.parametrize("who", ["owner", "member", "admin"])
def test_edit_by_anyone_else_is_a_404(anna, bob, admin, public, who):
    post = create(bob if who != "member" else anna, public, "Mine")
    visitor = {"owner": anna, "member": bob, "admin": admin}[who]
    client = signed_in(visitor)
    assert client.get(f"/posts/{post.pk}/edit/").status_code == 404
    assert client.post(f"/posts/{post.pk}/edit/", {"body": "Changed"}).status_code == 404
    assert Post.objects.get(pk=post.pk).body == "Mine"


def test_delete_by_the_author(anna, public):
    post = create(anna, public, "Mine")
    response = signed_in(anna).post(f"/posts/{post.pk}/delete/")
    assert response["Location"] == f"/communities/{public.slug}/"
    assert Post.objects.get(pk=post.pk).deleted_at is not None


def test_delete_htmx_by_a_moderator(anna, bob, public):
    post = create(bob, public, "Oops")
    response = signed_in(anna).post(f"/posts/{post.pk}/delete/", **HTMX)
    assert (response.status_code, response.content) == (200, b"")
    assert Post.objects.get(pk=post.pk).deleted_by == anna


def test_delete_by_someone_else_is_a_404(anna, bob, carol, public):
    post = create(anna, public, "Mine")
    assert signed_in(bob).post(f"/posts/{post.pk}/delete/").status_code == 404
    assert signed_in(carol).post(f"/posts/{post.pk}/delete/").status_code == 404
    assert signed_in(anna).get(f"/posts/{post.pk}/delete/").status_code == 405
    assert Post.objects.get(pk=post.pk).deleted_at is None


def test_restore_by_a_moderator(anna, bob, public):
    post = create(bob, public, "Oops")
    soft_delete(post, bob)
    response = signed_in(anna).post(f"/posts/{post.pk}/restore/", {"next": "/feed/deleted/"})
    assert response["Location"] == "/feed/deleted/"
    assert Post.objects.get(pk=post.pk).deleted_at is None


def test_restore_by_the_author_is_a_404(bob, carol, public):
    post = create(bob, public, "Oops")
    soft_delete(post, bob)
    assert signed_in(bob).post(f"/posts/{post.pk}/restore/").status_code == 404
    assert signed_in(carol).post(f"/posts/{post.pk}/restore/").status_code == 404
    assert Post.objects.get(pk=post.pk).deleted_at is not None


def test_history(anna, bob, carol, make_person, public):
    post = create(bob, public, "First text")
    post_update(actor=bob, post=post, body="Second text")
    for viewer in (bob, anna):
        response = signed_in(viewer).get(f"/posts/{post.pk}/history/")
        assert response.status_code == 200
        assert "First text" in text(response) and "Second text" in text(response)
    other = make_person("Oth", "Er")
    Membership.objects.create(community=public, user=other, role=Role.MEMBER, state=State.ACTIVE)
    assert signed_in(other).get(f"/posts/{post.pk}/history/").status_code == 404
    assert signed_in(carol).get(f"/posts/{post.pk}/history/").status_code == 404
    soft_delete(post, bob)
    assert signed_in(bob).get(f"/posts/{post.pk}/history/").status_code == 404
    response = signed_in(anna).get(f"/posts/{post.pk}/history/")
    assert "This post is deleted." in text(response)


def test_pin_by_a_moderator(anna, bob, public):
    post = create(bob, public, "Read me")
    response = signed_in(anna).post(f"/posts/{post.pk}/pin/", {"pinned": "1"}, follow=True)
    assert "Pinned to the top." in text(response)
    assert Post.objects.get(pk=post.pk).pinned_at is not None


def test_pin_by_a_member_is_a_404(bob, public):
    post = create(bob, public, "Read me")
    assert signed_in(bob).post(f"/posts/{post.pk}/pin/", {"pinned": "1"}).status_code == 404
    assert Post.objects.get(pk=post.pk).pinned_at is None


def test_bookmark(anna, bob, carol, public, private):
    post = create(anna, public, "Keep")
    client = signed_in(bob)
    response = client.post(f"/posts/{post.pk}/bookmark/", {"saved": "1"}, **HTMX)
    assert 'aria-pressed="true"' in text(response) and 'name="saved" value="0"' in text(response)
    assert list(Bookmark.objects.values_list("user", "post")) == [(bob.pk, post.pk)]
    response = client.post(f"/posts/{post.pk}/bookmark/", {"saved": "0"})
    assert response["Location"] == f"/posts/{post.pk}/"
    assert not Bookmark.objects.exists()
    secret = create(anna, private, "Secret")
    assert signed_in(carol).post(f"/posts/{secret.pk}/bookmark/", {"saved": "1"}).status_code == 404
    assert not Bookmark.objects.exists()


def test_react(anna, bob, carol, private):
    post = create(anna, private, "Hello")
    client = signed_in(bob)
    response = client.post(f"/posts/{post.pk}/react/", {"kind": "celebrate"}, **HTMX)
    body = text(response)
    assert response.status_code == 200
    assert f'id="reactions-p{post.pk}"' in body
    # The summary: the kind's icon, named, and its count; the button pressed, its icon filled.
    assert re.search(r'data-kind="celebrate"><svg class="bi"[^>]*aria-label="Celebrate"[^>]*>.*?</svg> 1</span>', body)
    assert re.search(r'value="" class="reaction-button dropdown-item" title="Celebrate" aria-pressed="true"><svg', body)
    assert "reaction-toggle is-reacted" in body  # the React button shows one's own reaction
    response = client.post(f"/posts/{post.pk}/react/", {"kind": ""})
    assert response["Location"] == f"/posts/{post.pk}/"
    assert Post.objects.get(pk=post.pk).reaction_counts == {}
    response = client.post(f"/posts/{post.pk}/react/", {"kind": "angry"})
    assert (response.status_code, response.content.decode()) == (400, "Unknown reaction.")
    assert signed_in(carol).post(f"/posts/{post.pk}/react/", {"kind": "like"}).status_code == 404


def test_reactions_page(anna, bob, carol, private):
    post = create(anna, private, "Hello")
    reaction_set(actor=bob, post=post, kind="insightful")
    response = signed_in(anna).get(f"/posts/{post.pk}/reactions/")
    assert "Bob Stone" in text(response) and "Insightful" in text(response)
    assert signed_in(carol).get(f"/posts/{post.pk}/reactions/").status_code == 404


def test_vote(anna, bob):
    post = create(anna, None, "Lunch?", kind=Kind.POLL, poll_options=["Pizza", "Sushi"])
    pizza, sushi = PollOption.objects.filter(post=post).order_by("position")
    client = signed_in(bob)
    before = text(client.get(f"/posts/{post.pk}/"))
    assert "Results are shown once you have voted or the poll has closed." in before
    response = client.post(f"/posts/{post.pk}/vote/", {"option": [pizza.pk]}, **HTMX)
    body = text(response)
    assert f'id="poll-{post.pk}"' in body
    assert "Pizza ✓" in body and "100% · 1 vote" in body
    assert "Withdraw my vote" in body
    response = client.post(f"/posts/{post.pk}/vote/", {"option": [pizza.pk, sushi.pk]}, **HTMX)
    assert "This poll takes one answer." in text(response)
    response = client.post(f"/posts/{post.pk}/vote/", {"option": ["abc"]}, follow=True)
    assert "Choose among the poll's options." in text(response)
    response = client.post(f"/posts/{post.pk}/vote/", {})
    assert response["Location"] == f"/posts/{post.pk}/"
    assert list(PollOption.objects.filter(post=post).values_list("vote_count", flat=True)) == [0, 0]


def test_voting_on_what_is_not_a_poll_is_a_404(anna, bob):
    post = create(anna, None, "Not a poll")
    assert signed_in(bob).post(f"/posts/{post.pk}/vote/", {"option": ["1"]}).status_code == 404


def test_vote_on_a_closed_poll(anna, bob):
    post = create(anna, None, "Lunch?", kind=Kind.POLL, poll_options=["Pizza", "Sushi"])
    Post.objects.filter(pk=post.pk).update(poll_closes_at=timezone.now())
    pizza = PollOption.objects.filter(post=post).first()
    response = signed_in(bob).post(f"/posts/{post.pk}/vote/", {"option": [pizza.pk]}, **HTMX)
    assert "This poll is closed." in text(response)
    assert "Poll closed." in text(response)


def test_best_answer(anna, bob, make_person, public):
    post = create(bob, public, "Where?", kind=Kind.QUESTION)
    answer = comment_create(actor=anna, post=post, body="There")
    other_post = create(bob, public, "Else?", kind=Kind.QUESTION)
    elsewhere = comment_create(actor=anna, post=other_post, body="Elsewhere")
    client = signed_in(bob)
    response = client.post(f"/posts/{post.pk}/best-answer/", {"comment": answer.pk})
    assert response["Location"] == f"/posts/{post.pk}/"
    assert Post.objects.get(pk=post.pk).best_answer == answer
    assert "Best answer" in text(client.get(f"/posts/{post.pk}/"))
    response = client.post(f"/posts/{post.pk}/best-answer/", {"comment": elsewhere.pk}, follow=True)
    assert "This answer no longer exists." in text(response)
    client.post(f"/posts/{post.pk}/best-answer/", {"comment": ""})
    assert Post.objects.get(pk=post.pk).best_answer is None
    response = client.post(f"/posts/{post.pk}/best-answer/", {"comment": answer.pk}, **HTMX)
    assert "<html" not in text(response)
    assert f'<article class="comment best-answer" id="comment-{answer.pk}">' in text(response)
    assert Post.objects.get(pk=post.pk).best_answer == answer
    other = make_person("Oth", "Er")
    Membership.objects.create(community=public, user=other, role=Role.MEMBER, state=State.ACTIVE)
    assert signed_in(other).post(f"/posts/{post.pk}/best-answer/", {"comment": answer.pk}).status_code == 404
    plain = create(bob, public, "Statement")
    assert signed_in(bob).post(f"/posts/{plain.pk}/best-answer/", {"comment": ""}).status_code == 404


def test_share_a_public_post(anna, bob, carol, public, make_community):
    other = make_community(carol, "Carol's Club")
    post = create(anna, public, "News")
    client = signed_in(carol)
    form = text(client.get(f"/posts/{post.pk}/share/"))
    targets = share_targets(form)
    assert targets == ["", other.slug]  # company-wide, and where Carol may post
    assert "All company (from my profile)" in form
    response = client.post(f"/posts/{post.pk}/share/", {"community": other.slug, "body": "FYI"}, follow=True)
    share = Post.objects.get(kind=Kind.SHARE)
    assert response.redirect_chain == [(f"/posts/{share.pk}/", 302)]
    assert "Shared." in text(response)
    assert (share.author, share.community, share.shared_post, share.body) == (carol, other, post, "FYI")
    assert "News" in text(response)


def test_share_a_private_post_only_inside(anna, bob, private):
    post = create(anna, private, "Secret")
    client = signed_in(bob)
    form = text(client.get(f"/posts/{post.pk}/share/"))
    assert share_targets(form) == [private.slug]
    response = client.post(f"/posts/{post.pk}/share/", {"community": "", "body": "Leak"})
    assert response.status_code == 200
    assert "This post is in a private community: it can only be shared inside that community." in text(response)
    assert not Post.objects.filter(kind=Kind.SHARE).exists()
    client.post(f"/posts/{post.pk}/share/", {"community": private.slug, "body": ""})
    assert Post.objects.get(kind=Kind.SHARE).community == private


def test_a_share_whose_original_is_gone(anna, bob, public):
    original = create(anna, public, "Soon gone")
    share = create(bob, None, "Look", kind=Kind.SHARE, shared_post=original)
    assert "Soon gone" in text(signed_in(bob).get(f"/posts/{share.pk}/"))
    soft_delete(original, anna)
    page = text(signed_in(bob).get(f"/posts/{share.pk}/"))
    assert "The shared post is no longer available." in page and "Soon gone" not in page


def test_sharing_a_share_whose_original_one_may_not_read_is_refused(anna, bob, carol, public):
    original = create(anna, public, "News")
    share = create(bob, None, "Look", kind=Kind.SHARE, shared_post=original)
    community_update(actor=anna, community=public, changes={"visibility": "private"})
    response = signed_in(carol).post(f"/posts/{share.pk}/share/", {"community": "", "body": "Again"})
    assert response.status_code == 404
    assert not Post.objects.filter(author=carol).exists()


def test_share_of_what_one_may_not_read_is_a_404(anna, carol, private):
    post = create(anna, private, "Secret")
    assert signed_in(carol).get(f"/posts/{post.pk}/share/").status_code == 404


# ================================================================ comments


def test_comments_fragment(anna, bob, carol, public):
    post = create(anna, public, "Hello")
    top = comment_create(actor=bob, post=post, body="Top **one**")
    comment_create(actor=anna, post=post, body="A reply", parent=top)
    response = signed_in(carol).get(f"/posts/{post.pk}/comments/", **HTMX)
    body = text(response)
    assert "<html" not in body
    assert "Top <strong>one</strong>" in body and "A reply" in body
    assert 'class="reply-list"' in body
    assert "Join the community to comment." in body


def test_comment_htmx_and_page(anna, bob, public):
    post = create(anna, public, "Hello")
    client = signed_in(bob)
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Nice"}, **HTMX)
    assert response.status_code == 200
    assert "Nice" in text(response)
    # The post's comment count follows, out of band.
    count = rf'id="comment-count-{post.pk}" hx-swap-oob="innerHTML"><svg[^>]*>.*?</svg> <span>1 comment</span>\s*<'
    assert re.search(count, text(response))
    top = Comment.objects.get()
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Reply", "parent": top.pk})
    assert response["Location"] == f"/posts/{post.pk}/"
    reply = Comment.objects.get(body="Reply")
    assert reply.parent == top
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Deeper", "parent": reply.pk}, **HTMX)
    assert Comment.objects.get(body="Deeper").parent == top
    assert "Deeper" in text(response)
    assert Post.objects.get(pk=post.pk).comment_count == 3


def test_comment_errors(anna, carol, public):
    post = create(anna, public, "Hello")
    response = signed_in(anna).post(f"/posts/{post.pk}/comments/", {"body": ""}, **HTMX)
    assert "This field is required." in text(response)
    response = signed_in(carol).post(f"/posts/{post.pk}/comments/", {"body": "Me too"}, follow=True)
    assert "Join the community to comment." in text(response)
    assert not Comment.objects.exists()
    response = signed_in(anna).post(f"/posts/{post.pk}/comments/", {"body": "Hi", "parent": "x"})
    assert response.status_code == 404


def test_comment_edit(anna, bob, public):
    post = create(anna, public, "Hello")
    comment = comment_create(actor=bob, post=post, body="Frist")
    client = signed_in(bob)
    assert "Frist</textarea>" in text(client.get(f"/comments/{comment.pk}/edit/"))
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "First"})
    assert response["Location"] == f"/posts/{post.pk}/#comment-{comment.pk}"
    assert Comment.objects.get(pk=comment.pk).body == "First"
    assert signed_in(anna).get(f"/comments/{comment.pk}/edit/").status_code == 404
    assert signed_in(anna).post(f"/comments/{comment.pk}/edit/", {"body": "Mine"}).status_code == 404
    assert Comment.objects.get(pk=comment.pk).body == "First"


def test_comment_delete(anna, bob, make_person, public):
    post = create(anna, public, "Hello")
    first = comment_create(actor=bob, post=post, body="One")
    second = comment_create(actor=bob, post=post, body="Two")
    other = make_person("Oth", "Er")
    Membership.objects.create(community=public, user=other, role=Role.MEMBER, state=State.ACTIVE)
    assert signed_in(other).post(f"/comments/{first.pk}/delete/").status_code == 404
    response = signed_in(bob).post(f"/comments/{first.pk}/delete/", **HTMX)
    assert (response.status_code, response.content) == (200, b"")
    response = signed_in(anna).post(f"/comments/{second.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/posts/{post.pk}/", 302)]
    assert "Comment deleted." in text(response)
    assert Post.objects.get(pk=post.pk).comment_count == 0
    assert signed_in(bob).post(f"/comments/{first.pk}/delete/").status_code == 404


def test_comment_react_and_reactions(anna, bob, carol, private):
    post = create(anna, private, "Hello")
    comment = comment_create(actor=bob, post=post, body="Hi")
    response = signed_in(anna).post(f"/comments/{comment.pk}/react/", {"kind": "funny"}, **HTMX)
    body = text(response)
    assert f'id="reactions-c{comment.pk}"' in body
    assert re.search(r'data-kind="funny"><svg[^>]*aria-label="Funny"[^>]*>.*?</svg> 1</span>', body)
    response = signed_in(bob).post(f"/comments/{comment.pk}/react/", {"kind": "like"})
    assert response["Location"] == f"/posts/{post.pk}/"
    page = text(signed_in(bob).get(f"/comments/{comment.pk}/reactions/"))
    assert "Anna Martin" in page and "Bob Stone" in page
    assert signed_in(carol).post(f"/comments/{comment.pk}/react/", {"kind": "like"}).status_code == 404
    assert signed_in(carol).get(f"/comments/{comment.pk}/reactions/").status_code == 404
    assert signed_in(anna).post(f"/comments/{comment.pk}/react/", {"kind": "nope"}).status_code == 400


# ================================================================ feed pages


def test_hashtag_page_and_follow(anna, bob, carol, private):
    create(anna, None, "Launch #Été")
    create(anna, private, "Hidden #été plans")
    client = signed_in(carol)
    page = text(client.get("/feed/tags/ÉTÉ/"))
    assert "#Été" in page and "Launch" in page and "Hidden" not in page
    response = client.post("/feed/tags/ete/follow/", {"follow": "1"}, **HTMX)
    assert "Following" in text(response) and 'aria-pressed="true"' in text(response)
    assert HashtagFollow.objects.filter(user=carol).count() == 1
    response = client.post("/feed/tags/ete/follow/", {"follow": "0"})
    assert response["Location"] == "/feed/tags/ete/"
    assert not HashtagFollow.objects.exists()
    assert "Hidden" in text(signed_in(bob).get("/feed/tags/ete/"))


def test_a_private_hashtag_page_is_a_404_for_outsiders(anna, bob, carol, private):
    create(anna, private, "#merger")
    assert signed_in(carol).get("/feed/tags/merger/").status_code == 404
    assert signed_in(carol).post("/feed/tags/merger/follow/", {"follow": "1"}).status_code == 404
    assert signed_in(bob).get("/feed/tags/merger/").status_code == 200


def test_bookmarks_page(anna, bob, public):
    kept = create(anna, public, "Kept one")
    create(anna, public, "Other one")
    bookmark_set(actor=bob, post=kept, saved=True)
    page = text(signed_in(bob).get("/feed/bookmarks/"))
    assert "Kept one" in page and "Other one" not in page
    assert "Only you see your bookmarks." in text(signed_in(anna).get("/feed/bookmarks/"))


def test_company_page(anna, bob, public, private):
    create(anna, public, "Public words")
    create(anna, private, "Private words")
    page = text(signed_in(bob).get("/feed/company/"))
    assert "Public words" in page and "Private words" not in page
    assert 'aria-current="page">All company' in page


def test_home_page_infinite_scroll(bob):
    for i in range(21):
        create(bob, None, f"Post {i:02d}")
    client = signed_in(bob)
    page = text(client.get("/"))
    assert "Post 20" in page and "Post 01" in page and "Post 00" not in page
    cursor = re.search(r'hx-get="/\?after=([^"]+)"', page).group(1)
    fragment = text(client.get(f"/?after={cursor}", **HTMX))
    assert "<html" not in fragment
    assert "Post 00" in fragment and "Post 01" not in fragment


def test_profile_feed_and_praise_page(anna, bob, carol, private):
    create(bob, None, "Bob's open words")
    create(bob, private, "Bob's private words")
    create(anna, None, "Kudos", kind=Kind.PRAISE, badge="mentor", recipients=[bob])
    create(anna, private, "Private kudos", kind=Kind.PRAISE, badge="thanks", recipients=[bob])
    client = signed_in(carol)
    posts = text(client.get(f"/feed/people/{bob.pk}/"))
    assert "Posts by Bob Stone" in posts
    assert "Bob's open words" in posts and "Bob's private words" not in posts and "Kudos" not in posts
    praise = text(client.get(f"/feed/people/{bob.pk}/?show=praise"))
    assert "Praise for Bob Stone" in praise
    assert "Kudos" in praise and "Private kudos" not in praise and "Mentor" in praise
    assert "Private kudos" in text(signed_in(bob).get(f"/feed/people/{bob.pk}/?show=praise"))


def test_deleted_page(anna, bob, public):
    post = create(bob, public, "Removed words")
    soft_delete(post, anna)
    page = text(signed_in(anna).get("/feed/deleted/"))
    assert "Removed words" in page and f'action="/posts/{post.pk}/restore/"' in page
    page = text(signed_in(bob).get("/feed/deleted/"))
    assert "Removed words" not in page and "No deleted posts." in page


def test_community_feed_url_without_htmx_goes_to_the_community(anna, public):
    response = signed_in(anna).get(f"/feed/communities/{public.slug}/")
    assert response["Location"] == f"/communities/{public.slug}/"


def test_mentions_autocomplete(anna, bob, make_person, private):
    make_person("Bob", "Outside", email="bob.out@example.com", job_title="Plumber")
    client = signed_in(anna)
    everyone = text(client.get("/posts/mentions/", {"q": "bob"}))
    assert 'data-handle="bob.stone"' in everyone and 'data-handle="bob.out"' in everyone
    assert "Plumber" in everyone
    inside = text(client.get("/posts/mentions/", {"q": "bob", "community": private.slug}))
    assert 'data-handle="bob.stone"' in inside and "bob.out" not in inside
    post = create(anna, private, "Inside")
    on_post = text(client.get("/posts/mentions/", {"q": "bob", "post": post.pk}))
    assert 'data-handle="bob.stone"' in on_post and "bob.out" not in on_post
    assert "Nobody found who can read this." in text(client.get("/posts/mentions/", {"q": "zzz"}))


def test_mentions_autocomplete_for_a_hidden_community_or_post_is_a_404(anna, carol, private):
    post = create(anna, private, "Inside")
    client = signed_in(carol)
    assert client.get("/posts/mentions/", {"q": "bob", "community": private.slug}).status_code == 404
    assert client.get("/posts/mentions/", {"q": "bob", "post": post.pk}).status_code == 404


# ================================================================ attachments


def test_an_image_is_served_inline_as_webp(anna, bob, png, public):
    post = create(anna, public, "Look", uploads=[png("holiday.png")])
    attachment = post.attachments.get()
    client = signed_in(bob)
    for url in (f"/attachments/{attachment.pk}/holiday.webp", f"/attachments/{attachment.pk}/thumbnail/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert streamed(response)[:4] == b"RIFF"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"%PDF-1.4 report"),
        ("notes.txt", b"plain notes"),
        ("page.txt", b"<html><script>alert(document.cookie)</script></html>"),
        ("invoice.pdf", b"<!doctype html><script>alert(1)</script>"),
    ],
)
def test_a_file_is_always_a_download(anna, bob, public, name, data):
    post = create(anna, public, "Files", uploads=[upload(name, data, "text/html")])
    attachment = post.attachments.get()
    response = signed_in(bob).get(f"/attachments/{attachment.pk}/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert streamed(response) == data
    assert signed_in(bob).get(f"/attachments/{attachment.pk}/thumbnail/").status_code == 404


def test_a_download_name_is_safe_in_the_header(anna, public):
    post = create(anna, public, "Files", uploads=[upload('Rapport "final"\r\nX-Evil: 1 été.pdf', b"%PDF")])
    attachment = post.attachments.get()
    response = signed_in(anna).get(f"/attachments/{attachment.pk}/x.pdf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "\r" not in disposition and "\n" not in disposition and '"final"' not in disposition
    assert "X-Evil" not in response.headers


def test_access_to_a_file_is_checked_on_every_request(anna, bob, carol, png, private):
    post = create(anna, private, "Files", uploads=[upload("plan.pdf", b"%PDF plan"), png("map.png")])
    document, image = post.attachments.order_by("position")
    client = signed_in(bob)
    urls = [f"/attachments/{document.pk}/plan.pdf", f"/attachments/{image.pk}/map.webp"]
    urls.append(f"/attachments/{image.pk}/thumbnail/")
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert [signed_in(carol).get(url).status_code for url in urls] == [404, 404, 404]
    membership_transition(actor=bob, community=private, user=bob, action="leave")
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    soft_delete(post, anna)
    assert [signed_in(anna).get(url).status_code for url in urls] == [404, 404, 404]


# ================================================================ constant query counts


def react_and_save(posts, user) -> None:
    """Test data: `user` liked and bookmarked every post (rows and counters, in bulk)."""
    Reaction.objects.bulk_create([Reaction(user=user, post=post, kind="like") for post in posts])
    Bookmark.objects.bulk_create([Bookmark(user=user, post=post) for post in posts])
    Post.objects.filter(pk__in=[post.pk for post in posts]).update(reaction_counts={"like": 1})


def mixed_posts(n, *, author, community, other, png):
    made = []
    for i in range(n):
        shape = i % 6
        if shape == 0:
            post = create(author, community, f"Photo {i} #pics", uploads=[png(f"p{i}.png", size=(40, 30))])
        elif shape == 1:
            post = create(author, community, f"Poll {i}", kind=Kind.POLL, poll_options=["Yes", "No"])
        elif shape == 2:
            post = create(author, community, f"Praise {i}", kind=Kind.PRAISE, badge="thanks", recipients=[other])
        elif shape == 3:
            post = create(author, community, f"Share {i}", kind=Kind.SHARE, shared_post=made[-1])
        elif shape == 4:
            post = create(author, community, f"Question {i}", kind=Kind.QUESTION)
            CommentFactory(post=post, author=other)
        else:
            post = create(author, community, f"File {i}", uploads=[upload(f"f{i}.pdf", b"%PDF-1.4")])
        made.append(post)
    react_and_save(made, other)
    return made


# Measured: the same for 1 and for 20 posts.
QUERIES_HOME_PAGE = 4
QUERIES_COMMUNITY_PAGE = 6
QUERIES_POST_PAGE = 6


@pytest.mark.parametrize("n", [1, 20])
def test_feed_pages_queries_are_constant(n, anna, bob, public, png, django_assert_num_queries):
    mixed_posts(n, author=anna, community=public, other=bob, png=png)
    client = signed_in(bob)
    with django_assert_num_queries(QUERIES_HOME_PAGE):
        response = client.get("/")
    assert text(response).count('<article class="post') == n
    with django_assert_num_queries(QUERIES_COMMUNITY_PAGE):
        response = client.get(f"/communities/{public.slug}/")
    assert text(response).count('<article class="post') == n


@pytest.mark.parametrize("n", [1, 20])
def test_post_page_queries_are_constant(n, anna, bob, public, django_assert_num_queries):
    post = create(anna, public, "Where?", kind=Kind.QUESTION)
    tops = CommentFactory.create_batch(n, post=post, author=bob)
    CommentFactory.create_batch(n, post=post, author=anna, parent=factory.Iterator(tops))
    Reaction.objects.bulk_create([Reaction(user=anna, comment=top, kind="like") for top in tops])
    Comment.objects.filter(pk__in=[top.pk for top in tops]).update(reaction_counts={"like": 1})
    Post.objects.filter(pk=post.pk).update(comment_count=2 * n, best_answer=tops[0])
    client = signed_in(anna)
    with django_assert_num_queries(QUERIES_POST_PAGE):
        response = client.get(f"/posts/{post.pk}/")
    assert text(response).count('<article class="comment') == 2 * n
