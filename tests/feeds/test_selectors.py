"""Reads of feeds: what each feed holds and leaves out, keyset pages, pinned posts,
bookmarks, the moderators' deleted posts, mention candidates, comments with replies,
reactors, and constant query counts (the same for 1 and for 20 posts of every kind)."""

from datetime import timedelta

import factory
import pytest
from django.http import Http404
from django.utils import timezone

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_update, membership_transition
from apps.feeds import selectors
from apps.feeds.models import Bookmark, Kind, Post, Reaction
from apps.feeds.services import (
    bookmark_set,
    comment_create,
    comment_delete,
    hashtag_follow_set,
    poll_vote,
    post_create,
    reaction_set,
)
from apps.profiles.services import follow_create
from tests.factories import CommentFactory, PostFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def create(actor, community=None, body="Hello", **kwargs) -> Post:
    return post_create(actor=actor, community=community, body=body, **kwargs)


def ids(posts) -> list[int]:
    return [post.pk for post in posts]


def newest_first(*posts) -> list[int]:
    return [post.pk for post in sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)]


def soft_delete(post, by) -> None:
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=by)


def pin(post, minutes_ago=0) -> None:
    Post.objects.filter(pk=post.pk).update(pinned_at=timezone.now() - timedelta(minutes=minutes_ago))


def walk(select, **kwargs) -> tuple[list[list[int]], list]:
    """Every page of a feed, following its cursors: ([ids of each page], [every post])."""
    pages, posts, cursor = [], [], None
    while True:
        page = select(cursor=cursor, **kwargs)
        pages.append(ids(page.items))
        posts.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages, posts
        assert len(pages) < 10, "the cursor does not move"


# ================================================================ home_feed


def test_home_feed_holds_what_the_viewer_follows(anna, bob, carol, admin, make_person, make_community, public):
    followed = make_person("Fay", "Followed")
    stranger = make_person("Stan", "Ger")
    follow_create(actor=bob, followee=followed)
    elsewhere = make_community(stranger, "Elsewhere", "public", members=[followed])
    hidden = make_community(stranger, "Hidden", "private", members=[followed])
    first_tagged = create(stranger, None, "#design to start")
    hashtag_follow_set(actor=bob, hashtag=selectors.hashtag_get(viewer=bob, name="design"), followed=True)

    mine = create(bob, None, "Mine")
    mine_deleted = create(bob, None, "Mine, deleted")
    by_followed = create(followed, None, "Followed, company-wide")
    by_followed_elsewhere = create(followed, elsewhere, "Followed, in a public community")
    by_followed_hidden = create(followed, hidden, "Followed, in a private community Bob is not in")
    in_my_community = create(anna, public, "In Bob's community")
    announcement = create(admin, None, "Company announcement", kind=Kind.ANNOUNCEMENT)
    tagged = create(stranger, None, "About #Design")
    tagged_hidden = create(stranger, hidden, "About #design, hidden")
    create(stranger, None, "A stranger, company-wide")
    create(stranger, elsewhere, "A stranger in a community Bob is not in")
    create(stranger, elsewhere, "An announcement elsewhere", kind=Kind.ANNOUNCEMENT)
    create(carol, None, "Carol")
    soft_delete(mine_deleted, bob)

    page = selectors.home_feed(viewer=bob)
    assert ids(page.items) == newest_first(
        mine, by_followed, by_followed_elsewhere, in_my_community, announcement, tagged, first_tagged
    )
    assert by_followed_hidden.pk not in ids(page.items) and tagged_hidden.pk not in ids(page.items)
    assert (page.pinned, page.next_cursor) == ([], None)


def test_home_feed_of_a_member_of_the_private_community_has_its_posts(anna, bob, private):
    post = create(anna, private, "Inside")
    assert ids(selectors.home_feed(viewer=bob).items) == [post.pk]


def test_home_feed_leaves_a_community_when_the_viewer_does(anna, bob, public):
    create(anna, public, "Inside")
    membership_transition(actor=bob, community=public, user=bob, action="leave")
    assert selectors.home_feed(viewer=bob).items == []


def test_home_feed_shows_pinned_company_posts_first(admin, bob):
    pinned = create(admin, None, "Read me", kind=Kind.ANNOUNCEMENT, pinned=True)
    later = create(bob, None, "Mine")
    page = selectors.home_feed(viewer=bob)
    assert (ids(page.pinned), ids(page.items)) == ([pinned.pk], [later.pk])


# ---------------------------------------------------------------- keyset pages


def test_keyset_pages_have_no_duplicates_and_no_gaps_even_with_equal_times(bob):
    posts = PostFactory.create_batch(45, author=bob)
    same = timezone.now() - timedelta(hours=1)
    # 25 posts at one instant, 20 others one minute apart, interleaved by id.
    for i, post in enumerate(posts):
        created = same if i % 2 == 0 or i > 30 else same - timedelta(minutes=i)
        Post.objects.filter(pk=post.pk).update(created_at=created)
    expected = list(Post.objects.filter(author=bob).order_by("-created_at", "-id").values_list("pk", flat=True))
    pages, walked = walk(selectors.home_feed, viewer=bob)
    assert [len(page) for page in pages] == [20, 20, 5]
    assert [pk for page in pages for pk in page] == expected
    assert len(set(ids(walked))) == 45


def test_a_forged_cursor_restarts_from_the_beginning(bob):
    posts = PostFactory.create_batch(3, author=bob)
    for cursor in ("garbage", "W10", "WyJub3QgYSBkYXRlIiwgMV0"):
        assert ids(selectors.home_feed(viewer=bob, cursor=cursor).items) == ids(reversed(posts))


# ================================================================ company_feed


def test_company_feed_is_only_public_content(anna, bob, make_community, public, private):
    moderated = make_community(anna, "Reviewed", "moderated")
    company = create(bob, None, "Company-wide")
    in_public = create(anna, public, "Public")
    in_moderated = create(anna, moderated, "Moderated")
    create(anna, private, "Private")
    deleted = create(bob, None, "Deleted")
    soft_delete(deleted, bob)
    # Bob is a member of the private community: still not in the company feed.
    assert ids(selectors.company_feed(viewer=bob).items) == newest_first(company, in_public, in_moderated)


def test_company_feed_pins_company_posts_first(admin, anna, public):
    first = create(admin, None, "First", kind=Kind.ANNOUNCEMENT, pinned=True)
    second = create(admin, None, "Second", kind=Kind.ANNOUNCEMENT, pinned=True)
    community_pinned = create(anna, public, "Pinned in a community", kind=Kind.ANNOUNCEMENT, pinned=True)
    plain = create(anna, None, "Plain")
    page = selectors.company_feed(viewer=anna)
    assert ids(page.pinned) == [second.pk, first.pk]
    assert ids(page.items) == [plain.pk, community_pinned.pk]


# ================================================================ community_feed


def test_community_feed_pinned_first_on_the_first_page_only(anna, bob, public):
    posts = [create(bob, public, f"Post {i}") for i in range(25)]
    old_pin, new_pin = posts[0], posts[10]
    pin(old_pin, minutes_ago=5)
    pin(new_pin)
    first = selectors.community_feed(viewer=anna, community=public)
    assert ids(first.pinned) == [new_pin.pk, old_pin.pk]
    assert ids(first.items) == [p.pk for p in reversed(posts[5:]) if p is not new_pin]
    second = selectors.community_feed(viewer=anna, community=public, cursor=first.next_cursor)
    assert second.pinned == []
    # A pinned post is shown once, at the top: never again in its place in the stream.
    assert ids(second.items) == [p.pk for p in reversed(posts[1:5])]
    assert second.next_cursor is None


def test_community_feed_holds_only_that_community(anna, bob, make_community, public):
    other = make_community(anna, "Other", "public", members=[bob])
    here = create(bob, public, "Here")
    create(bob, other, "There")
    create(bob, None, "Company")
    assert ids(selectors.community_feed(viewer=anna, community=public).items) == [here.pk]


def test_a_pinned_deleted_post_is_not_shown(anna, public):
    post = create(anna, public, "Read me", kind=Kind.ANNOUNCEMENT, pinned=True)
    soft_delete(post, anna)
    page = selectors.community_feed(viewer=anna, community=public)
    assert (page.pinned, page.items) == ([], [])


# ================================================================ profile, praise, hashtag


def test_profile_feed_is_what_the_viewer_may_read_of_the_author(anna, bob, carol, public, private):
    company = create(anna, None, "Company")
    in_public = create(anna, public, "Public")
    in_private = create(anna, private, "Private")
    create(bob, None, "Someone else")
    assert ids(selectors.profile_feed(viewer=bob, user_id=anna.pk).items) == newest_first(
        company, in_public, in_private
    )
    assert ids(selectors.profile_feed(viewer=carol, user_id=anna.pk).items) == newest_first(company, in_public)


def test_praise_feed_is_the_praise_received_that_the_viewer_may_read(anna, bob, carol, make_person, private):
    someone = make_person("Sol", "Meone")
    open_praise = create(anna, None, "Thanks", kind=Kind.PRAISE, badge="thanks", recipients=[bob])
    private_praise = create(anna, private, "Thanks", kind=Kind.PRAISE, badge="mentor", recipients=[bob])
    create(anna, None, "Thanks", kind=Kind.PRAISE, badge="thanks", recipients=[someone])
    create(anna, None, "@bob.stone is great")
    assert ids(selectors.praise_feed(viewer=bob, user_id=bob.pk).items) == newest_first(open_praise, private_praise)
    page = selectors.praise_feed(viewer=carol, user_id=bob.pk)
    assert ids(page.items) == [open_praise.pk]
    assert [(person.user_id, person.name) for person in page.items[0].praised] == [(bob.pk, "Bob Stone")]


def test_hashtag_feed_is_what_the_viewer_may_read(anna, bob, carol, private):
    open_post = create(anna, None, "#Launch day")
    hidden = create(anna, private, "#launch plans")
    create(anna, None, "#other")
    tag = selectors.hashtag_get(viewer=bob, name="LAUNCH")
    assert tag.name == "launch"
    assert ids(selectors.hashtag_feed(viewer=bob, hashtag=tag).items) == newest_first(open_post, hidden)
    assert ids(selectors.hashtag_feed(viewer=carol, hashtag=tag).items) == [open_post.pk]


def test_a_hashtag_only_used_in_a_private_community_does_not_exist_for_outsiders(anna, bob, carol, private):
    create(anna, private, "#secret-merger")
    assert selectors.hashtag_get(viewer=bob, name="secret-merger").name == "secret-merger"
    with pytest.raises(Http404):
        selectors.hashtag_get(viewer=carol, name="secret-merger")
    with pytest.raises(Http404):
        selectors.hashtag_get(viewer=bob, name="never-used")


def test_a_followed_hashtag_stays_found(anna, bob):
    post = create(anna, None, "#topic")
    tag = selectors.hashtag_get(viewer=bob, name="topic")
    hashtag_follow_set(actor=bob, hashtag=tag, followed=True)
    soft_delete(post, anna)
    assert selectors.hashtag_get(viewer=bob, name="topic") == tag
    assert selectors.hashtag_followed(viewer=bob, hashtag=tag) is True
    assert selectors.hashtag_followed(viewer=anna, hashtag=tag) is False


# ================================================================ bookmarks


def test_bookmark_feed_is_in_saving_order_and_private(anna, bob, carol, public):
    first, second, third = (create(anna, public, f"Post {i}") for i in range(3))
    for post in (second, third, first):
        bookmark_set(actor=bob, post=post, saved=True)
    bookmark_set(actor=carol, post=second, saved=True)
    page = selectors.bookmark_feed(viewer=bob)
    assert ids(page.items) == [first.pk, third.pk, second.pk]
    assert all(post.bookmarked for post in page.items)
    assert ids(selectors.bookmark_feed(viewer=carol).items) == [second.pk]
    assert selectors.bookmark_feed(viewer=anna).items == []


def test_bookmark_feed_pages_by_saving_time(anna, bob):
    posts = PostFactory.create_batch(25, author=anna)
    same = timezone.now()
    for post in reversed(posts):
        Bookmark.objects.create(user=bob, post=post)
    Bookmark.objects.filter(post__in=posts[:12]).update(created_at=same)
    expected = list(Bookmark.objects.filter(user=bob).order_by("-created_at", "-id").values_list("post", flat=True))
    pages, _walked = walk(selectors.bookmark_feed, viewer=bob)
    assert [len(page) for page in pages] == [20, 5]
    assert [pk for page in pages for pk in page] == expected


def test_a_bookmark_of_a_post_one_can_no_longer_read_is_not_shown(anna, bob, private):
    post = create(anna, private, "Inside")
    bookmark_set(actor=bob, post=post, saved=True)
    membership_transition(actor=bob, community=private, user=bob, action="leave")
    assert selectors.bookmark_feed(viewer=bob).items == []


# ================================================================ deleted posts


def test_deleted_feed_for_moderators_only(anna, bob, admin, make_community, make_person, public):
    moderator = make_person("Mo", "Derator")
    Membership.objects.create(community=public, user=moderator, role=Role.MODERATOR, state=State.ACTIVE)
    other = make_community(bob, "Other", "public")
    here = create(bob, public, "Here")
    there = create(bob, other, "There")
    company = create(bob, None, "Company")
    kept = create(bob, public, "Kept")
    for post in (here, there, company):
        soft_delete(post, bob)
    assert ids(selectors.deleted_feed(viewer=anna).items) == [here.pk]
    assert ids(selectors.deleted_feed(viewer=moderator).items) == [here.pk]
    assert ids(selectors.deleted_feed(viewer=bob).items) == [there.pk]  # Bob owns "Other"
    assert set(ids(selectors.deleted_feed(viewer=admin).items)) == {here.pk, there.pk, company.pk}
    assert ids(selectors.deleted_feed(viewer=admin, community=public).items) == [here.pk]
    assert kept.pk not in ids(selectors.deleted_feed(viewer=admin).items)


def test_deleted_feed_is_empty_for_members(anna, bob, carol, public):
    post = create(anna, public, "Here")
    soft_delete(post, anna)
    assert selectors.deleted_feed(viewer=bob).items == []
    assert selectors.deleted_feed(viewer=carol).items == []


def test_post_for_moderation(anna, bob, carol, public):
    post = create(bob, public, "Here")
    assert selectors.post_for_moderation(viewer=anna, post_id=post.pk) == post
    assert selectors.post_for_moderation(viewer=bob, post_id=post.pk) == post
    with pytest.raises(Http404):
        selectors.post_for_moderation(viewer=carol, post_id=post.pk)
    soft_delete(post, bob)
    assert selectors.post_for_moderation(viewer=anna, post_id=post.pk) == post
    with pytest.raises(Http404):
        selectors.post_for_moderation(viewer=bob, post_id=post.pk)


# ================================================================ single posts and what a card may do


def test_post_get_is_a_404_for_what_the_viewer_may_not_read(anna, bob, carol, private):
    post = create(anna, private, "Inside")
    assert selectors.post_get(viewer=bob, post_id=post.pk) == post
    with pytest.raises(Http404):
        selectors.post_get(viewer=carol, post_id=post.pk)
    soft_delete(post, anna)
    with pytest.raises(Http404):
        selectors.post_get(viewer=anna, post_id=post.pk)


def test_what_a_card_allows(anna, bob, carol, admin, public, private):
    question = create(bob, public, "Where?", kind=Kind.QUESTION)
    as_author = selectors.post_get(viewer=bob, post_id=question.pk).can
    as_owner = selectors.post_get(viewer=anna, post_id=question.pk).can
    as_outsider = selectors.post_get(viewer=carol, post_id=question.pk).can
    as_admin = selectors.post_get(viewer=admin, post_id=question.pk).can
    assert as_author == {
        "edit": True, "delete": True, "moderate": False, "pin": False, "comment": True, "best_answer": True,
        "share": True,
    }  # fmt: skip
    assert as_owner == {
        "edit": False, "delete": True, "moderate": True, "pin": True, "comment": True, "best_answer": True,
        "share": True,
    }  # fmt: skip
    assert as_outsider == {
        "edit": False, "delete": False, "moderate": False, "pin": False, "comment": False, "best_answer": False,
        "share": True,
    }  # fmt: skip
    assert as_admin["moderate"] and as_admin["comment"] and not as_admin["edit"]
    secret = create(anna, private, "Inside")
    assert selectors.post_get(viewer=bob, post_id=secret.pk).can["share"] is True


def test_the_original_of_a_share_is_hidden_from_who_may_no_longer_read_it(anna, bob, carol, public):
    original = create(anna, public, "News")
    share = create(carol, None, "Look", kind=Kind.SHARE, shared_post=original)
    assert selectors.post_get(viewer=carol, post_id=share.pk).shared_original == original
    community_update(actor=anna, community=public, changes={"visibility": "private"})
    assert selectors.post_get(viewer=carol, post_id=share.pk).shared_original is None
    assert selectors.post_get(viewer=bob, post_id=share.pk).shared_original == original


def test_a_card_carries_the_viewer_s_reaction_vote_and_bookmark(anna, bob):
    post = create(anna, None, "Lunch?", kind=Kind.POLL, poll_options=["Pizza", "Sushi"])
    pizza = post.poll_options.get(label="Pizza")
    reaction_set(actor=bob, post=post, kind="celebrate")
    poll_vote(actor=bob, post=post, option_ids=[pizza.pk])
    bookmark_set(actor=bob, post=post, saved=True)
    mine = selectors.post_get(viewer=bob, post_id=post.pk)
    assert (mine.my_reaction, mine.bookmarked, mine.reaction_counts) == ("celebrate", True, {"celebrate": 1})
    assert [(o.label, o.votes, o.percent, o.chosen) for o in mine.poll.options] == [
        ("Pizza", 1, 100, True),
        ("Sushi", 0, 0, False),
    ]
    assert (mine.poll.voted, mine.poll.show_results, mine.poll.closed, mine.poll.total) == (True, True, False, 1)
    theirs = selectors.post_get(viewer=anna, post_id=post.pk)
    assert (theirs.my_reaction, theirs.bookmarked, theirs.poll.voted, theirs.poll.show_results) == (
        None,
        False,
        False,
        False,
    )


# ================================================================ mention candidates


def test_mention_candidates_are_active_people(anna, make_person):
    bea = make_person("Béatrice", "Dupré", email="bea@example.com", job_title="Designer")
    make_person("Bernard", "Gone", email="bernard@example.com", is_active=False)
    assert selectors.mention_candidates(viewer=anna, query="be") == [
        {"id": bea.pk, "name": "Béatrice Dupré", "handle": "bea", "title": "Designer"},
    ]
    assert selectors.mention_candidates(viewer=anna, query="  ") == []


def test_mention_candidates_in_a_private_community_are_its_members(anna, bob, make_person, private, public):
    make_person("Bob", "Outside", email="bob.out@example.com")
    everyone = selectors.mention_candidates(viewer=anna, query="bob", community=public)
    inside = selectors.mention_candidates(viewer=anna, query="bob", community=private)
    assert sorted(row["handle"] for row in everyone) == ["bob.out", "bob.stone"]
    assert [row["handle"] for row in inside] == ["bob.stone"]


def test_a_handle_shared_by_two_people_is_their_full_address(anna, make_person):
    make_person("Sam", "One", email="sam@one.example.com")
    make_person("Sam", "Two", email="sam@two.example.com")
    handles = sorted(row["handle"] for row in selectors.mention_candidates(viewer=anna, query="sam"))
    assert handles == ["sam@one.example.com", "sam@two.example.com"]


# ================================================================ comments and reactors


def test_comments_page_with_replies(anna, bob, public):
    post = create(anna, public, "Hello")
    first = comment_create(actor=bob, post=post, body="First")
    second = comment_create(actor=anna, post=post, body="Second")
    reply = comment_create(actor=anna, post=post, body="Reply", parent=first)
    gone = comment_create(actor=bob, post=post, body="Gone", parent=first)
    third = comment_create(actor=bob, post=post, body="Third")
    comment_delete(actor=bob, comment=gone)
    reaction_set(actor=bob, comment=reply, kind="like")
    page = selectors.comments_page(viewer=bob, post=post, limit=2)
    assert ids(page.items) == [first.pk, second.pk]
    assert [ids(row.reply_list) for row in page.items] == [[reply.pk], []]
    assert page.items[0].reply_list[0].my_reaction == "like"
    rest = selectors.comments_page(viewer=bob, post=post, cursor=page.next_cursor, limit=2)
    assert (ids(rest.items), rest.next_cursor) == ([third.pk], None)


def test_comments_of_a_post_one_may_not_read_are_not_listed(anna, bob, carol, private):
    post = create(anna, private, "Inside")
    comment_create(actor=bob, post=post, body="Psst")
    assert selectors.comments_page(viewer=carol, post=post).items == []
    assert len(selectors.comments_page(viewer=bob, post=post).items) == 1


def test_reactors(anna, bob, carol, make_person, private):
    dan = make_person("Dan", "Member")
    Membership.objects.create(community=private, user=dan, role=Role.MEMBER, state=State.ACTIVE)
    post = create(anna, private, "Inside")
    reaction_set(actor=bob, post=post, kind="like")
    reaction_set(actor=dan, post=post, kind="celebrate")
    reaction_set(actor=anna, post=post, kind="like")
    rows = selectors.reactors(viewer=bob, post=post)
    assert [(r.kind, r.user) for r in rows] == [("celebrate", dan), ("like", anna), ("like", bob)]
    assert selectors.reactors(viewer=carol, post=post) == []
    comment = comment_create(actor=bob, post=post, body="Psst")
    reaction_set(actor=anna, comment=comment, kind="funny")
    assert [(r.kind, r.user) for r in selectors.reactors(viewer=bob, comment=comment)] == [("funny", anna)]


# ================================================================ constant query counts


def react_and_save(posts, user) -> None:
    """Test data: `user` liked and bookmarked every post (rows and counters, in bulk)."""
    Reaction.objects.bulk_create([Reaction(user=user, post=post, kind="like") for post in posts])
    Bookmark.objects.bulk_create([Bookmark(user=user, post=post) for post in posts])
    Post.objects.filter(pk__in=[post.pk for post in posts]).update(reaction_counts={"like": 1})


def mixed_posts(n, *, author, community, others, png):
    """n posts cycling through every kind a card shows: images, polls with votes, praise,
    shares, questions with comments, files, reactions and bookmarks."""
    made = []
    for i in range(n):
        shape = i % 6
        if shape == 0:
            post = create(author, community, f"Photo {i} #pics", uploads=[png(f"p{i}.png", size=(40, 30))])
        elif shape == 1:
            post = create(author, community, f"Poll {i}", kind=Kind.POLL, poll_options=["Yes", "No"])
            poll_vote(actor=others[0], post=post, option_ids=[post.poll_options.first().pk])
        elif shape == 2:
            post = create(author, community, f"Praise {i}", kind=Kind.PRAISE, badge="thanks", recipients=others)
        elif shape == 3:
            post = create(author, community, f"Share {i}", kind=Kind.SHARE, shared_post=made[-1])
        elif shape == 4:
            post = create(author, community, f"Question {i} @bob.stone", kind=Kind.QUESTION)
            CommentFactory(post=post, author=others[0])
        else:
            from django.core.files.uploadedfile import SimpleUploadedFile

            post = create(author, community, f"File {i}", uploads=[SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4")])
        made.append(post)
    react_and_save(made, others[0])
    return made


def fresh(user):
    """The user as a request sees it: is_site_admin not asked yet (it costs 1 query once)."""
    return type(user).objects.get(pk=user.pk)


# Measured; the same for 1 and for 20 posts. Each starts with is_site_admin's query.
QUERIES_HOME = 2  # + one statement: the page's and the pinned posts with their cards
QUERIES_COMPANY = 2
QUERIES_COMMUNITY = 2
QUERIES_BOOKMARKS = 2
QUERIES_PROFILE = 2
QUERIES_COMMENTS = 3  # + top-level comments, their replies


@pytest.mark.parametrize("n", [1, 20])
def test_feed_query_counts_are_constant(n, anna, bob, public, png, django_assert_num_queries):
    made = mixed_posts(n, author=anna, community=public, others=[bob], png=png)
    viewer = fresh(bob)
    with django_assert_num_queries(QUERIES_HOME):
        home = selectors.home_feed(viewer=viewer)
    viewer = fresh(bob)
    with django_assert_num_queries(QUERIES_COMMUNITY):
        community = selectors.community_feed(viewer=viewer, community=public)
    viewer = fresh(bob)
    with django_assert_num_queries(QUERIES_COMPANY):
        company = selectors.company_feed(viewer=viewer)
    viewer = fresh(bob)
    with django_assert_num_queries(QUERIES_BOOKMARKS):
        bookmarks = selectors.bookmark_feed(viewer=viewer)
    viewer = fresh(bob)
    with django_assert_num_queries(QUERIES_PROFILE):
        profile = selectors.profile_feed(viewer=viewer, user_id=anna.pk)
    for page in (home, community, company, bookmarks, profile):
        assert len(page.items) == n
    # What the templates read comes with the rows: no query while walking the cards.
    with django_assert_num_queries(0):
        for post in home.items:
            assert post.author.profile.name == "Anna Martin"
            assert post.community.name == "Open Garden"
            if post.shared_post:
                assert post.shared_post.author.profile.name == "Anna Martin"
                assert post.shared_post.community.slug == public.slug
    by_kind = {post.kind: post for post in home.items}
    assert ids(home.items) == ids(reversed(made))
    assert by_kind[Kind.POST].my_reaction == "like" and by_kind[Kind.POST].bookmarked
    assert len(by_kind[Kind.POST].images) == 1


@pytest.mark.parametrize("n", [1, 20])
def test_comments_page_query_count_is_constant(n, anna, bob, public, django_assert_num_queries):
    post = create(anna, public, "Hello")
    tops = CommentFactory.create_batch(n, post=post, author=bob)
    CommentFactory.create_batch(n, post=post, author=anna, parent=factory.Iterator(tops))
    Reaction.objects.bulk_create([Reaction(user=anna, comment=top, kind="like") for top in tops])
    viewer = fresh(bob)
    with django_assert_num_queries(QUERIES_COMMENTS):
        page = selectors.comments_page(viewer=viewer, post=post)
    assert len(page.items) == n
    with django_assert_num_queries(0):
        assert all(len(row.reply_list) == 1 for row in page.items)
        assert {row.reply_list[0].author.profile.name for row in page.items} == {"Anna Martin"}
