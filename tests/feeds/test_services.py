"""Writes to feeds, against the real database: every kind of post and its validation, mentions
and hashtags, edit / delete / restore / pin, bookmarks, comments, reactions, poll votes, best
answers, and the live events each service sends after commit. A post's attached files are
tested with the other files, in tests/files/test_post_attachments.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_archive, community_update, membership_transition
from apps.feeds.models import (
    Bookmark,
    Comment,
    Hashtag,
    HashtagFollow,
    Kind,
    Mention,
    PollOption,
    PollVote,
    Post,
    PostHashtag,
    PostRevision,
    Reaction,
)
from apps.feeds.services import (
    best_answer_set,
    bookmark_set,
    comment_create,
    comment_delete,
    comment_update,
    hashtag_follow_set,
    poll_vote,
    post_create,
    post_delete,
    post_pin,
    post_restore,
    post_update,
    reaction_set,
)
from apps.moderation.models import AuditLogEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def create(actor, community=None, body="Hello", **kwargs) -> Post:
    return post_create(actor=actor, community=community, body=body, **kwargs)


def messages_of(error: ValidationError) -> dict | list:
    return error.message_dict if hasattr(error, "error_dict") else error.messages


def member(community, user, role=Role.MEMBER):
    return Membership.objects.create(community=community, user=user, role=role, state=State.ACTIVE)


def soft_delete(post, by) -> None:
    """Test setup: a deleted post, as post_delete leaves it (post_delete itself is tested below)."""
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by=by)


# post_delete, post_restore and post_pin lock the post with select_related("community"): a LEFT
# OUTER JOIN (community is nullable), which PostgreSQL refuses to lock, whatever the post.


# ================================================================ post_create: kinds


def test_a_post_in_a_community(anna, public):
    post = create(anna, public, "  Hello **team**  ")
    post.refresh_from_db()
    assert (post.author, post.community, post.kind) == (anna, public, Kind.POST)
    assert post.body == "Hello **team**"
    assert post.body_html == "<p>Hello <strong>team</strong></p>"
    assert (post.comment_count, post.reaction_counts, post.pinned_at, post.deleted_at) == (0, {}, None, None)


def test_any_employee_posts_company_wide(carol):
    post = create(carol, None, "Hi all")
    assert (post.community, post.kind) == (None, Kind.POST)


def test_unknown_kind_is_refused(anna):
    with pytest.raises(ValidationError) as error:
        create(anna, kind="story")
    assert messages_of(error.value) == {"kind": ["Unknown kind of post."]}
    assert not Post.objects.exists()


def test_question(anna, public):
    post = create(anna, public, "Where is the printer?", kind=Kind.QUESTION)
    assert post.kind == Kind.QUESTION
    assert post.best_answer is None


# ---------------------------------------------------------------- polls


def test_poll_with_its_options(anna, public):
    closes = timezone.now() + timedelta(days=2)
    post = create(
        anna,
        public,
        "Lunch?",
        kind=Kind.POLL,
        poll_options=["  Pizza ", "", "Sushi", "Salad"],
        poll_multiple=True,
        poll_closes_at=closes,
    )
    post.refresh_from_db()
    assert (post.kind, post.poll_multiple, post.poll_closes_at) == (Kind.POLL, True, closes)
    assert list(post.poll_options.values_list("label", "position", "vote_count")) == [
        ("Pizza", 0, 0),
        ("Sushi", 1, 0),
        ("Salad", 2, 0),
    ]


def test_duplicate_options_count_once(anna):
    post = create(anna, kind=Kind.POLL, poll_options=["Pizza", "PIZZA", " pizza ", "Sushi"])
    assert list(post.poll_options.values_list("label", flat=True)) == ["Pizza", "Sushi"]


@pytest.mark.parametrize(
    ("options", "closes_in", "errors"),
    [
        ([], None, {"poll_options": ["A poll needs at least two different options."]}),
        (["Only one"], None, {"poll_options": ["A poll needs at least two different options."]}),
        (["Same", "same", " SAME "], None, {"poll_options": ["A poll needs at least two different options."]}),
        (["Yes", "  ", ""], None, {"poll_options": ["A poll needs at least two different options."]}),
        ([f"Option {i}" for i in range(11)], None, {"poll_options": ["A poll has at most 10 options."]}),
        (["Short", "x" * 201], None, {"poll_options": ["An option has at most 200 characters."]}),
        (["Yes", "No"], -60, {"poll_closes_at": ["The closing date must be in the future."]}),
        (["Yes", "No"], 0, {"poll_closes_at": ["The closing date must be in the future."]}),
    ],
)
def test_poll_validation(anna, options, closes_in, errors):
    closes = None if closes_in is None else timezone.now() + timedelta(seconds=closes_in)
    with pytest.raises(ValidationError) as error:
        create(anna, kind=Kind.POLL, poll_options=options, poll_closes_at=closes)
    assert messages_of(error.value) == errors
    assert not Post.objects.exists()
    assert not PollOption.objects.exists()


def test_a_poll_of_ten_options_is_fine(anna):
    post = create(anna, kind=Kind.POLL, poll_options=[f"Option {i}" for i in range(10)])
    assert post.poll_options.count() == 10


def test_poll_fields_are_ignored_for_other_kinds(anna):
    post = create(anna, poll_options=["A", "B"], poll_multiple=True, poll_closes_at=timezone.now() + timedelta(days=1))
    assert (post.poll_multiple, post.poll_closes_at, post.poll_options.count()) == (False, None, 0)


# ---------------------------------------------------------------- praise


def test_praise_records_its_recipients_and_badge(anna, bob, carol):
    post = create(anna, None, "Thanks!", kind=Kind.PRAISE, badge="mentor", recipients=[bob, carol, bob])
    assert post.badge == "mentor"
    assert sorted(post.praise_recipients.values_list("user_id", flat=True)) == sorted([bob.pk, carol.pk])


def test_praise_in_a_private_community_of_its_members(anna, bob, private):
    post = create(anna, private, "Thanks!", kind=Kind.PRAISE, badge="thanks", recipients=[bob])
    assert list(post.praise_recipients.values_list("user_id", flat=True)) == [bob.pk]


def test_badge_is_only_kept_on_praise(anna):
    assert create(anna, badge="mentor").badge == ""


@pytest.mark.parametrize("badge", ["", "gold-star"])
def test_praise_needs_a_known_badge(anna, bob, badge):
    with pytest.raises(ValidationError) as error:
        create(anna, kind=Kind.PRAISE, badge=badge, recipients=[bob])
    assert messages_of(error.value) == {"badge": ["Choose a badge."]}


def test_praise_needs_a_recipient(anna):
    with pytest.raises(ValidationError) as error:
        create(anna, kind=Kind.PRAISE, badge="thanks", recipients=[])
    assert messages_of(error.value) == {"recipients": ["Choose at least one colleague to praise."]}


def test_nobody_praises_themselves(anna, bob):
    with pytest.raises(ValidationError) as error:
        create(anna, kind=Kind.PRAISE, badge="thanks", recipients=[bob, anna])
    assert messages_of(error.value) == {"recipients": ["You cannot praise yourself."]}


def test_no_praise_for_former_employees(anna, make_person):
    gone = make_person("Gail", "Gone", is_active=False)
    with pytest.raises(ValidationError) as error:
        create(anna, kind=Kind.PRAISE, badge="thanks", recipients=[gone])
    assert messages_of(error.value) == {"recipients": ["No longer with the company: Gail Gone."]}


def test_praise_in_a_private_community_only_for_its_members(anna, bob, carol, private):
    with pytest.raises(ValidationError) as error:
        create(anna, private, "Thanks", kind=Kind.PRAISE, badge="thanks", recipients=[bob, carol])
    assert messages_of(error.value) == {"recipients": ["Not a member of this private community: Carol Outsider."]}
    assert not Post.objects.exists()


def test_praise_has_at_most_twenty_recipients(anna, make_person):
    people = [make_person(f"P{i:02d}", "Person") for i in range(21)]
    with pytest.raises(ValidationError) as error:
        create(anna, kind=Kind.PRAISE, badge="thanks", recipients=people)
    assert messages_of(error.value) == {"recipients": ["At most 20 people in one praise."]}


# ---------------------------------------------------------------- announcements


def test_site_admin_announces_company_wide_and_pins(admin):
    post = create(admin, None, "Office closed Friday", kind=Kind.ANNOUNCEMENT, pinned=True)
    assert post.kind == Kind.ANNOUNCEMENT
    assert post.pinned_at is not None


def test_an_announcement_is_not_pinned_unless_asked(admin):
    assert create(admin, kind=Kind.ANNOUNCEMENT).pinned_at is None


def test_an_employee_cannot_announce_company_wide(anna, public):
    # Anna owns a community: that gives no right company-wide.
    with pytest.raises(PermissionDenied):
        create(anna, None, kind=Kind.ANNOUNCEMENT)
    assert not Post.objects.exists()


def test_owner_announces_in_their_community(anna, public):
    post = create(anna, public, kind=Kind.ANNOUNCEMENT, pinned=True)
    assert (post.kind, post.community) == (Kind.ANNOUNCEMENT, public)
    assert post.pinned_at is not None


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR])
def test_members_and_moderators_do_not_announce(anna, make_person, public, role):
    someone = make_person("Mo", "Derator")
    member(public, someone, role)
    with pytest.raises(PermissionDenied):
        create(someone, public, kind=Kind.ANNOUNCEMENT)


def test_an_owner_elsewhere_does_not_announce_here(anna, bob, make_community, public):
    make_community(bob, "Bob's Club")
    with pytest.raises(PermissionDenied):
        create(bob, public, kind=Kind.ANNOUNCEMENT)


def test_pinned_only_applies_to_announcements(anna, public):
    assert create(anna, public, pinned=True).pinned_at is None


# ---------------------------------------------------------------- shares


def test_a_private_post_is_shared_inside_its_community(anna, bob, private):
    original = create(anna, private, "Secret plan")
    share = create(bob, private, "", kind=Kind.SHARE, shared_post=original)
    assert (share.kind, share.shared_post, share.community, share.body) == (Kind.SHARE, original, private, "")


def test_a_private_post_is_not_shared_elsewhere(anna, bob, private, public):
    original = create(anna, private, "Secret plan")
    for target in (None, public):
        with pytest.raises(ValidationError) as error:
            create(bob, target, "", kind=Kind.SHARE, shared_post=original)
        assert messages_of(error.value) == {
            "community": ["This post is in a private community: it can only be shared inside that community."]
        }
    assert Post.objects.filter(kind=Kind.SHARE).count() == 0


def test_a_public_post_is_shared_anywhere(anna, bob, carol, public, private):
    original = create(anna, public, "Open news")
    assert create(carol, None, "Look", kind=Kind.SHARE, shared_post=original).shared_post == original
    assert create(bob, private, "", kind=Kind.SHARE, shared_post=original).community == private
    company = create(carol, None, "Company news")
    assert create(bob, public, "", kind=Kind.SHARE, shared_post=company).shared_post == company


def test_a_share_of_a_share_points_to_the_original(anna, bob, carol, public):
    original = create(anna, public, "Open news")
    first = create(bob, None, "", kind=Kind.SHARE, shared_post=original)
    second = create(carol, None, "", kind=Kind.SHARE, shared_post=first)
    assert second.shared_post == original


def test_a_share_of_a_share_of_a_private_post_stays_inside(anna, bob, private):
    original = create(anna, private, "Secret plan")
    first = create(bob, private, "", kind=Kind.SHARE, shared_post=original)
    with pytest.raises(ValidationError):
        create(bob, None, "", kind=Kind.SHARE, shared_post=first)


def test_sharing_a_post_one_cannot_read_is_refused(anna, carol, private):
    original = create(anna, private, "Secret plan")
    with pytest.raises(PermissionDenied):
        create(carol, None, "", kind=Kind.SHARE, shared_post=original)


def test_sharing_a_share_whose_original_one_may_not_read_is_refused(anna, bob, carol, public):
    original = create(anna, public, "News")
    share = create(bob, None, "Look", kind=Kind.SHARE, shared_post=original)
    community_update(actor=anna, community=public, changes={"visibility": "private"})
    with pytest.raises(PermissionDenied):
        create(carol, None, "", kind=Kind.SHARE, shared_post=Post.objects.get(pk=share.pk))


def test_sharing_a_deleted_post_is_refused(anna, bob, public):
    original = create(anna, public, "Gone soon")
    soft_delete(original, anna)
    with pytest.raises(PermissionDenied):
        create(bob, None, "", kind=Kind.SHARE, shared_post=original)


def test_a_share_needs_a_post(anna):
    with pytest.raises(ValidationError) as error:
        create(anna, None, "", kind=Kind.SHARE, shared_post=None)
    assert messages_of(error.value) == ["Nothing to share."]


def test_shared_post_is_ignored_for_other_kinds(anna, public):
    original = create(anna, public, "Open news")
    assert create(anna, None, "Plain", shared_post=original).shared_post is None


# ---------------------------------------------------------------- where one may post


def test_a_non_member_cannot_post_in_a_community(carol, public, private):
    for community in (public, private):
        with pytest.raises(PermissionDenied):
            create(carol, community, "Hello")
    assert not Post.objects.exists()


@pytest.mark.parametrize("state", [State.LEFT, State.INVITED, State.REQUESTED, State.BANNED, State.REMOVED])
def test_only_active_members_post(anna, carol, public, state):
    Membership.objects.create(community=public, user=carol, state=state)
    with pytest.raises(PermissionDenied):
        create(carol, public, "Hello")


def test_a_site_admin_posts_in_any_community(admin, private):
    assert create(admin, private, "Hello").community == private


def test_an_archived_community_refuses_posts(anna, admin, public):
    community_archive(actor=admin, community=public, archived=True)
    with pytest.raises(ValidationError) as error:
        create(anna, public, "Hello")
    assert messages_of(error.value) == ["This community is archived: nothing new can be posted."]
    with pytest.raises(ValidationError):
        create(admin, public, "Hello")
    assert not Post.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n  ", None])
def test_a_body_is_required(anna, body):
    with pytest.raises(ValidationError) as error:
        create(anna, None, body)
    assert messages_of(error.value) == {"body": ["Write something first."]}


def test_a_body_has_at_most_20000_characters(anna):
    assert len(create(anna, None, "x" * 20000).body) == 20000
    with pytest.raises(ValidationError) as error:
        create(anna, None, "x" * 20001)
    assert messages_of(error.value) == {"body": ["The message is 20001 characters; at most 20000."]}


# ================================================================ mentions and hashtags


def test_mentions_are_recorded_and_linked(anna, bob, carol):
    post = create(anna, None, "Thanks @bob.stone and @carol.out@example.com, cc @nobody and @anna.martin")
    assert sorted(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == sorted([bob.pk, carol.pk])
    assert f'href="/people/{bob.pk}/" class="mention"' in post.body_html
    assert ">@Bob Stone</a>" in post.body_html
    assert ">@Carol Outsider</a>" in post.body_html
    assert "@nobody" in post.body_html
    assert Mention.objects.filter(comment__isnull=False).count() == 0


def test_mentions_in_a_private_community_only_for_its_readers(anna, bob, carol, private):
    post = create(anna, private, "Hi @bob.stone and @carol.out")
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [bob.pk]


def test_a_former_employee_is_not_mentioned(anna, make_person):
    make_person("Gail", "Gone", email="gail.gone@example.com", is_active=False)
    post = create(anna, None, "Hi @gail.gone")
    assert not Mention.objects.exists()
    assert "@gail.gone" in post.body_html and 'class="mention"' not in post.body_html


def test_an_ambiguous_handle_is_not_resolved_but_the_full_address_is(anna, make_person):
    first = make_person("Sam", "One", email="sam@one.example.com")
    make_person("Sam", "Two", email="sam@two.example.com")
    post = create(anna, None, "Hi @sam and @sam@one.example.com")
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [first.pk]


def test_hashtags_are_folded_and_shared(anna, bob):
    first = create(anna, None, "#Été and #Release-2026 and #ete")
    second = create(bob, None, "#ETE again")
    # No spelling is kept on the tag: a spelling belongs to its post (see test_hashtag_privacy).
    assert sorted(Hashtag.objects.values_list("name", "display")) == [("ete", "ete"), ("release-2026", "release-2026")]
    assert sorted(first.hashtags.values_list("name", flat=True)) == ["ete", "release-2026"]
    assert list(second.hashtags.values_list("name", flat=True)) == ["ete"]
    assert 'href="/feed/tags/ete/" class="hashtag"' in second.body_html


# ================================================================ post_update


def test_the_author_edits_and_the_previous_text_is_kept(anna, bob, public):
    post = create(anna, public, "First #alpha @bob.stone")
    updated = post_update(actor=anna, post=post, body="Second #beta")
    updated.refresh_from_db()
    assert (updated.body, updated.body_html) == (
        "Second #beta",
        '<p>Second <a href="/feed/tags/beta/" class="hashtag" rel="noopener noreferrer nofollow ugc">#beta</a></p>',
    )
    assert updated.edited_at is not None
    assert list(PostRevision.objects.values_list("post", "body", "edited_by")) == [
        (post.pk, "First #alpha @bob.stone", anna.pk)
    ]
    assert list(updated.hashtags.values_list("name", flat=True)) == ["beta"]
    assert not Mention.objects.filter(post=post).exists()
    post_update(actor=anna, post=post, body="Third #beta #gamma @bob.stone")
    assert sorted(post.hashtags.values_list("name", flat=True)) == ["beta", "gamma"]
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [bob.pk]
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        "Second #beta",
        "First #alpha @bob.stone",
    ]
    # Hashtag rows stay (others may use them); only the post's links change.
    assert sorted(Hashtag.objects.values_list("name", flat=True)) == ["alpha", "beta", "gamma"]
    assert PostHashtag.objects.filter(post=post).count() == 2


def test_an_unchanged_text_makes_no_revision(anna):
    post = create(anna, None, "Same")
    post_update(actor=anna, post=post, body="  Same ")
    post.refresh_from_db()
    assert post.edited_at is None
    assert not PostRevision.objects.exists()


@pytest.mark.parametrize("who", ["bob", "owner", "admin"])
def test_only_the_author_edits(anna, bob, admin, public, who):
    post = create(bob if who != "bob" else anna, public, "Mine")
    actor = {"bob": bob, "owner": anna, "admin": admin}[who]
    with pytest.raises(PermissionDenied):
        post_update(actor=actor, post=post, body="Changed")
    post.refresh_from_db()
    assert post.body == "Mine"
    assert not PostRevision.objects.exists()


def test_a_deleted_post_is_not_edited(anna):
    post = create(anna, None, "Mine")
    soft_delete(post, anna)
    with pytest.raises(PermissionDenied):
        post_update(actor=anna, post=post, body="Changed")


def test_an_edit_needs_a_body(anna):
    post = create(anna, None, "Mine")
    with pytest.raises(ValidationError) as error:
        post_update(actor=anna, post=post, body=" ")
    assert messages_of(error.value) == {"body": ["Write something first."]}


def test_the_text_of_a_share_may_be_emptied(anna, bob, public):
    original = create(anna, public, "News")
    share = create(bob, None, "Look", kind=Kind.SHARE, shared_post=original)
    assert post_update(actor=bob, post=share, body="").body == ""


def test_an_author_removed_from_a_private_community_cannot_edit_there(anna, bob, private):
    post = create(bob, private, "Inside")
    membership_transition(actor=anna, community=private, user=bob, action="remove")
    with pytest.raises(PermissionDenied):
        post_update(actor=bob, post=post, body="Changed from outside")


# ================================================================ post_delete / restore / pin


def test_the_author_deletes_softly(anna, public):
    post = create(anna, public, kind=Kind.ANNOUNCEMENT, pinned=True)
    post_delete(actor=anna, post=post)
    post.refresh_from_db()
    assert post.deleted_at is not None
    assert (post.deleted_by, post.pinned_at) == (anna, None)
    # Pinning it was audited (tests/feeds/test_audit.py); an author deleting their own post is not.
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["post.pin"]
    assert not Post.objects.visible_to(anna).exists()
    assert Post.objects.filter(pk=post.pk).exists()


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OWNER])
def test_a_moderator_deletes_someone_else_s_post_with_an_audit_entry(anna, bob, make_person, public, role):
    moderator = anna if role == Role.OWNER else make_person("Mo", "Derator")
    if role == Role.MODERATOR:
        member(public, moderator, Role.MODERATOR)
    post = create(bob, public, "Oops")
    post_delete(actor=moderator, post=post)
    post.refresh_from_db()
    assert post.deleted_by == moderator
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
        moderator,
        "post.delete",
        "feeds.post",
        str(post.pk),
    )
    assert (entry.before, entry.after) == ({"deleted": False}, {"deleted": True})


def test_a_site_admin_deletes_a_company_wide_post(admin, carol):
    post = create(carol, None, "Oops")
    post_delete(actor=admin, post=post)
    post.refresh_from_db()
    assert post.deleted_by == admin
    assert AuditLogEntry.objects.get().action == "post.delete"


def test_others_cannot_delete(anna, bob, carol, public):
    in_community = create(anna, public, "Mine")
    company_wide = create(anna, None, "Mine too")
    for actor, post in ((bob, in_community), (carol, in_community), (bob, company_wide)):
        with pytest.raises(PermissionDenied):
            post_delete(actor=actor, post=post)
    assert Post.objects.filter(deleted_at__isnull=True).count() == 2


def test_deleting_twice_changes_nothing(anna, sent, django_capture_on_commit_callbacks):
    post = create(anna, None, "Mine")
    soft_delete(post, anna)
    first = Post.objects.get(pk=post.pk).deleted_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_delete(actor=anna, post=post)
    assert Post.objects.get(pk=post.pk).deleted_at == first
    assert callbacks == []


def test_a_moderator_restores_with_an_audit_entry(anna, bob, public):
    post = create(bob, public, "Oops")
    soft_delete(post, bob)
    post_restore(actor=anna, post=post)
    post.refresh_from_db()
    assert (post.deleted_at, post.deleted_by) == (None, None)
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.before, entry.after) == (
        anna,
        "post.restore",
        {"deleted": True},
        {"deleted": False},
    )


def test_the_author_cannot_restore(bob, public):
    post = create(bob, public, "Oops")
    soft_delete(post, bob)
    with pytest.raises(PermissionDenied):
        post_restore(actor=bob, post=post)
    assert Post.objects.get(pk=post.pk).deleted_at is not None


def test_only_site_admins_restore_company_wide_posts(admin, anna):
    post = create(anna, None, "Oops")
    soft_delete(post, anna)
    with pytest.raises(PermissionDenied):
        post_restore(actor=anna, post=post)
    post_restore(actor=admin, post=post)
    assert Post.objects.get(pk=post.pk).deleted_at is None


def test_moderators_pin_and_unpin(anna, bob, public):
    post = create(bob, public, "Read me")
    post_pin(actor=anna, post=post, pinned=True)
    assert Post.objects.get(pk=post.pk).pinned_at is not None
    post_pin(actor=anna, post=post, pinned=False)
    assert Post.objects.get(pk=post.pk).pinned_at is None


def test_members_do_not_pin_even_their_own(bob, public):
    post = create(bob, public, "Read me")
    with pytest.raises(PermissionDenied):
        post_pin(actor=bob, post=post, pinned=True)
    assert Post.objects.get(pk=post.pk).pinned_at is None


def test_only_site_admins_pin_company_wide(admin, anna):
    post = create(anna, None, "Read me")
    with pytest.raises(PermissionDenied):
        post_pin(actor=anna, post=post, pinned=True)
    post_pin(actor=admin, post=post, pinned=True)
    assert Post.objects.get(pk=post.pk).pinned_at is not None


def test_a_deleted_post_is_not_pinned(anna, public):
    post = create(anna, public, "Read me")
    soft_delete(post, anna)
    with pytest.raises(PermissionDenied):
        post_pin(actor=anna, post=post, pinned=True)


# ================================================================ bookmarks and hashtag follows


def test_bookmark_set_and_unset(anna, bob, public):
    post = create(anna, public, "Keep")
    assert bookmark_set(actor=bob, post=post, saved=True) is True
    assert bookmark_set(actor=bob, post=post, saved=True) is True
    assert list(Bookmark.objects.values_list("user", "post")) == [(bob.pk, post.pk)]
    assert bookmark_set(actor=bob, post=post, saved=False) is False
    assert bookmark_set(actor=bob, post=post, saved=False) is False
    assert not Bookmark.objects.exists()


def test_no_bookmark_of_a_post_one_cannot_read(anna, carol, private):
    post = create(anna, private, "Secret")
    with pytest.raises(PermissionDenied):
        bookmark_set(actor=carol, post=post, saved=True)
    assert not Bookmark.objects.exists()


def test_hashtag_follow_set(anna):
    create(anna, None, "#topic")
    tag = Hashtag.objects.get()
    assert hashtag_follow_set(actor=anna, hashtag=tag, followed=True) is True
    hashtag_follow_set(actor=anna, hashtag=tag, followed=True)
    assert list(HashtagFollow.objects.values_list("user", "hashtag")) == [(anna.pk, tag.pk)]
    assert hashtag_follow_set(actor=anna, hashtag=tag, followed=False) is False
    assert not HashtagFollow.objects.exists()


# ================================================================ comments


def test_a_comment_counts(anna, bob, public):
    post = create(anna, public, "Hello")
    comment = comment_create(actor=bob, post=post, body=" Nice **one** ")
    assert (comment.post, comment.author, comment.parent, comment.body) == (post, bob, None, "Nice **one**")
    assert comment.body_html == "<p>Nice <strong>one</strong></p>"
    assert Post.objects.get(pk=post.pk).comment_count == 1


def test_a_reply_to_a_reply_joins_the_top_level_thread(anna, bob, public):
    post = create(anna, public, "Hello")
    top = comment_create(actor=bob, post=post, body="Top")
    reply = comment_create(actor=anna, post=post, body="Reply", parent=top)
    deeper = comment_create(actor=bob, post=post, body="Reply to reply", parent=reply)
    assert (reply.parent, deeper.parent) == (top, top)
    assert Post.objects.get(pk=post.pk).comment_count == 3


def test_a_reply_to_a_comment_of_another_post_is_refused(anna, bob, public):
    post, other = create(anna, public, "Hello"), create(anna, public, "Other")
    elsewhere = comment_create(actor=bob, post=other, body="There")
    with pytest.raises(ValidationError) as error:
        comment_create(actor=bob, post=post, body="Here", parent=elsewhere)
    assert messages_of(error.value) == ["The comment you replied to was deleted."]
    assert Post.objects.get(pk=post.pk).comment_count == 0


def test_only_members_comment_in_a_community(anna, carol, public, private):
    for community in (public, private):
        post = create(anna, community, "Hello")
        with pytest.raises(PermissionDenied):
            comment_create(actor=carol, post=post, body="Me too")
    assert not Comment.objects.exists()


def test_anyone_comments_company_wide(anna, carol):
    post = create(anna, None, "Hello")
    comment_create(actor=carol, post=post, body="Hi")
    assert Post.objects.get(pk=post.pk).comment_count == 1


def test_no_comment_on_a_deleted_post_or_in_an_archived_community(anna, admin, bob, public):
    deleted = create(anna, public, "Gone")
    soft_delete(deleted, anna)
    with pytest.raises(PermissionDenied):
        comment_create(actor=bob, post=deleted, body="Hi")
    post = create(anna, public, "Hello")
    community_archive(actor=admin, community=public, archived=True)
    with pytest.raises(ValidationError) as error:
        comment_create(actor=bob, post=post, body="Hi")
    assert messages_of(error.value) == ["This community is archived: nothing new can be posted."]


@pytest.mark.parametrize(("body", "message"), [("  ", "Write a comment first."), ("x" * 10001, None)])
def test_a_comment_needs_a_reasonable_body(anna, body, message):
    post = create(anna, None, "Hello")
    with pytest.raises(ValidationError) as error:
        comment_create(actor=anna, post=post, body=body)
    expected = message or "The comment is 10001 characters; at most 10000."
    assert messages_of(error.value) == {"body": [expected]}


def test_mentions_in_comments_are_recorded_for_readers(anna, bob, carol, private):
    post = create(anna, private, "Hello")
    comment = comment_create(actor=anna, post=post, body="@bob.stone @carol.out @anna.martin look")
    assert list(Mention.objects.values_list("post", "comment", "user")) == [(post.pk, comment.pk, bob.pk)]


def test_the_author_edits_a_comment(anna, bob, public):
    post = create(anna, public, "Hello")
    comment = comment_create(actor=bob, post=post, body="Frist")
    comment_update(actor=bob, comment=comment, body="_First_")
    comment.refresh_from_db()
    assert (comment.body, comment.body_html) == ("_First_", "<p><em>First</em></p>")
    assert comment.edited_at is not None
    with pytest.raises(PermissionDenied):
        comment_update(actor=anna, comment=comment, body="Hijacked")  # the post's author and the owner
    assert Comment.objects.get(pk=comment.pk).body == "_First_"


def test_editing_a_mention_out_of_a_comment_drops_it(anna, bob, public):
    post = create(anna, public, "Hello")
    comment = comment_create(actor=anna, post=post, body="cc @bob.stone")
    comment_update(actor=anna, comment=comment, body="cc nobody")
    assert not Mention.objects.filter(comment=comment).exists()


def test_deleting_a_comment_recounts_and_clears_the_best_answer(anna, bob, public):
    post = create(anna, public, "Where?", kind=Kind.QUESTION)
    answer = comment_create(actor=bob, post=post, body="There")
    comment_create(actor=anna, post=post, body="Thanks")
    best_answer_set(actor=anna, post=post, comment=answer)
    comment_delete(actor=bob, comment=answer)
    post.refresh_from_db()
    assert (post.comment_count, post.best_answer) == (1, None)
    assert Comment.objects.get(pk=answer.pk).deleted_at is not None


def test_a_moderator_deletes_a_comment_and_a_member_cannot(anna, bob, make_person, public):
    other = make_person("Oth", "Er")
    member(public, other)
    post = create(anna, public, "Hello")
    comment = comment_create(actor=bob, post=post, body="Hmm")
    with pytest.raises(PermissionDenied):
        comment_delete(actor=other, comment=comment)
    comment_delete(actor=anna, comment=comment)
    assert Post.objects.get(pk=post.pk).comment_count == 0


def test_deleting_a_thread_leaves_no_hidden_replies_counted(anna, bob, public):
    from apps.feeds.selectors import comments_page

    post = create(anna, public, "Hello")
    top = comment_create(actor=bob, post=post, body="Top")
    comment_create(actor=anna, post=post, body="Reply 1", parent=top)
    comment_create(actor=anna, post=post, body="Reply 2", parent=top)
    comment_delete(actor=bob, comment=top)
    page = comments_page(viewer=anna, post=post)
    shown = sum(1 + len(row.reply_list) for row in page.items)
    assert Post.objects.get(pk=post.pk).comment_count == shown


# ================================================================ reactions


def test_one_reaction_per_person_which_may_change_or_go(anna, bob, public):
    post = create(anna, public, "Hello")
    assert reaction_set(actor=bob, post=post, kind="like") == "like"
    reaction_set(actor=anna, post=post, kind="like")
    assert Post.objects.get(pk=post.pk).reaction_counts == {"like": 2}
    reaction_set(actor=bob, post=post, kind="celebrate")
    assert Post.objects.get(pk=post.pk).reaction_counts == {"like": 1, "celebrate": 1}
    assert Reaction.objects.filter(user=bob).count() == 1
    assert reaction_set(actor=bob, post=post, kind=None) is None
    reaction_set(actor=bob, post=post, kind=None)
    assert Post.objects.get(pk=post.pk).reaction_counts == {"like": 1}
    reaction_set(actor=anna, post=post, kind=None)
    assert Post.objects.get(pk=post.pk).reaction_counts == {}
    assert not Reaction.objects.exists()


def test_reactions_on_comments(anna, bob, public):
    post = create(anna, public, "Hello")
    comment = comment_create(actor=bob, post=post, body="Hi")
    reaction_set(actor=anna, comment=comment, kind="funny")
    reaction_set(actor=bob, comment=comment, kind="funny")
    reaction_set(actor=bob, comment=comment, kind="insightful")
    assert Comment.objects.get(pk=comment.pk).reaction_counts == {"funny": 1, "insightful": 1}
    assert Post.objects.get(pk=post.pk).reaction_counts == {}
    assert Reaction.objects.filter(post__isnull=True).count() == 2
    reaction_set(actor=anna, comment=comment, kind=None)
    assert Comment.objects.get(pk=comment.pk).reaction_counts == {"insightful": 1}


def test_an_unknown_reaction_is_refused(anna):
    post = create(anna, None, "Hello")
    with pytest.raises(ValidationError) as error:
        reaction_set(actor=anna, post=post, kind="angry")
    assert messages_of(error.value) == ["Unknown reaction."]
    assert not Reaction.objects.exists()


def test_no_reaction_to_what_one_cannot_read(anna, bob, carol, private):
    post = create(anna, private, "Secret")
    comment = comment_create(actor=bob, post=post, body="Shh")
    with pytest.raises(PermissionDenied):
        reaction_set(actor=carol, post=post, kind="like")
    with pytest.raises(PermissionDenied):
        reaction_set(actor=carol, comment=comment, kind="like")
    comment_delete(actor=bob, comment=comment)
    with pytest.raises(PermissionDenied):
        reaction_set(actor=anna, comment=comment, kind="like")
    soft_delete(post, anna)
    with pytest.raises(PermissionDenied):
        reaction_set(actor=bob, post=post, kind="like")
    assert not Reaction.objects.exists()


def test_no_reaction_in_an_archived_community(anna, admin, bob, public):
    post = create(anna, public, "Hello")
    comment = comment_create(actor=bob, post=post, body="Hi")
    community_archive(actor=admin, community=public, archived=True)
    for target in ({"post": post}, {"comment": comment}):
        with pytest.raises(ValidationError) as error:
            reaction_set(actor=bob, kind="like", **target)
        assert messages_of(error.value) == ["This community is archived: nothing new can be posted."]
    assert not Reaction.objects.exists()


def test_a_banned_person_reads_a_public_community_but_does_not_react(anna, carol, public):
    post = create(anna, public, "Hello")
    membership_transition(actor=anna, community=public, user=carol, action="ban")
    with pytest.raises(PermissionDenied):
        reaction_set(actor=carol, post=post, kind="like")
    assert not Reaction.objects.exists()


def test_a_non_member_reacts_to_a_public_community_post(anna, carol, public):
    post = create(anna, public, "Hello")
    reaction_set(actor=carol, post=post, kind="support")
    assert Post.objects.get(pk=post.pk).reaction_counts == {"support": 1}


# ================================================================ polls


def poll(actor, community=None, *, multiple=False, options=("Pizza", "Sushi", "Salad"), closes_at=None):
    post = create(
        actor, community, "Lunch?", kind=Kind.POLL, poll_options=list(options), poll_multiple=multiple,
        poll_closes_at=closes_at,
    )  # fmt: skip
    return post, list(post.poll_options.order_by("position"))


def counts(post) -> list[int]:
    return list(PollOption.objects.filter(post=post).order_by("position").values_list("vote_count", flat=True))


def test_single_answer_poll(anna, bob, carol):
    post, (pizza, sushi, _salad) = poll(anna)
    assert poll_vote(actor=bob, post=post, option_ids=[pizza.pk]) == [pizza.pk]
    poll_vote(actor=carol, post=post, option_ids=[pizza.pk])
    assert counts(post) == [2, 0, 0]
    with pytest.raises(ValidationError) as error:
        poll_vote(actor=anna, post=post, option_ids=[pizza.pk, sushi.pk])
    assert messages_of(error.value) == ["This poll takes one answer."]
    # Change, then withdraw.
    poll_vote(actor=bob, post=post, option_ids=[sushi.pk])
    assert counts(post) == [1, 1, 0]
    assert poll_vote(actor=bob, post=post, option_ids=[]) == []
    assert counts(post) == [1, 0, 0]
    assert list(PollVote.objects.values_list("user", "option")) == [(carol.pk, pizza.pk)]


def test_multiple_answer_poll(anna, bob):
    post, (pizza, sushi, salad) = poll(anna, multiple=True)
    assert sorted(poll_vote(actor=bob, post=post, option_ids=[pizza.pk, salad.pk, salad.pk])) == sorted(
        [pizza.pk, salad.pk]
    )
    assert counts(post) == [1, 0, 1]
    poll_vote(actor=bob, post=post, option_ids=[sushi.pk])
    assert counts(post) == [0, 1, 0]


def test_an_option_of_another_poll_is_refused(anna, bob):
    post, (pizza, *_rest) = poll(anna)
    _other, (tea, *_others) = poll(anna, options=("Tea", "Coffee"))
    with pytest.raises(ValidationError) as error:
        poll_vote(actor=bob, post=post, option_ids=[tea.pk])
    assert messages_of(error.value) == ["Choose among the poll's options."]
    with pytest.raises(ValidationError):
        poll_vote(actor=bob, post=post, option_ids=[pizza.pk, 999999])
    assert not PollVote.objects.exists()


def test_a_closed_poll_refuses_votes(anna, bob):
    post, (pizza, *_rest) = poll(anna, closes_at=timezone.now() + timedelta(hours=1))
    poll_vote(actor=bob, post=post, option_ids=[pizza.pk])
    Post.objects.filter(pk=post.pk).update(poll_closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as error:
        poll_vote(actor=bob, post=post, option_ids=[])
    assert messages_of(error.value) == ["This poll is closed."]
    assert counts(post) == [1, 0, 0]


def test_no_vote_in_an_archived_community_nor_by_a_banned_person(anna, admin, carol, make_community):
    community = make_community(anna, "Votes", "public")
    post, (first, *_rest) = poll(anna, community)
    membership_transition(actor=anna, community=community, user=carol, action="ban")
    with pytest.raises(PermissionDenied):
        poll_vote(actor=carol, post=post, option_ids=[first.pk])
    community_archive(actor=admin, community=community, archived=True)
    with pytest.raises(ValidationError) as error:
        poll_vote(actor=anna, post=post, option_ids=[first.pk])
    assert messages_of(error.value) == ["This community is archived: nothing new can be posted."]
    assert not PollVote.objects.exists()


def test_only_polls_take_votes_and_only_from_readers(anna, carol, private):
    plain = create(anna, None, "Not a poll")
    with pytest.raises(PermissionDenied):
        poll_vote(actor=anna, post=plain, option_ids=[])
    post, (first, *_rest) = poll(anna, private)
    with pytest.raises(PermissionDenied):
        poll_vote(actor=carol, post=post, option_ids=[first.pk])


# ================================================================ best answers


def test_the_question_s_author_marks_the_best_answer(anna, bob, public):
    post = create(bob, public, "Where?", kind=Kind.QUESTION)
    answer = comment_create(actor=anna, post=post, body="There")
    best_answer_set(actor=bob, post=post, comment=answer)
    assert Post.objects.get(pk=post.pk).best_answer == answer
    best_answer_set(actor=bob, post=post, comment=None)
    assert Post.objects.get(pk=post.pk).best_answer is None


def test_a_moderator_marks_the_best_answer_and_others_cannot(anna, bob, make_person, public):
    other = make_person("Oth", "Er")
    member(public, other)
    post = create(bob, public, "Where?", kind=Kind.QUESTION)
    answer = comment_create(actor=other, post=post, body="There")
    with pytest.raises(PermissionDenied):
        best_answer_set(actor=other, post=post, comment=answer)
    best_answer_set(actor=anna, post=post, comment=answer)
    assert Post.objects.get(pk=post.pk).best_answer == answer


def test_best_answers_are_for_questions_only(anna, bob, public):
    post = create(bob, public, "Statement")
    comment = comment_create(actor=anna, post=post, body="Reply")
    with pytest.raises(PermissionDenied):
        best_answer_set(actor=bob, post=post, comment=comment)


def test_the_best_answer_belongs_to_the_question(anna, bob, public):
    post = create(bob, public, "Where?", kind=Kind.QUESTION)
    other = create(bob, public, "Else?", kind=Kind.QUESTION)
    elsewhere = comment_create(actor=anna, post=other, body="There")
    with pytest.raises(ValidationError) as error:
        best_answer_set(actor=bob, post=post, comment=elsewhere)
    assert messages_of(error.value) == ["This answer no longer exists."]


# ================================================================ live events


def created_event(post) -> dict:
    return {"type": "post.created", "post": post.pk, "community": post.community_id, "author": post.author_id}


def test_post_created_goes_to_its_community_after_commit(anna, public, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        post = create(anna, public, "Hello")
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [(f"community.{public.pk}", created_event(post))]


def test_company_wide_post_goes_to_the_company(anna, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = create(anna, None, "Hello")
    assert sent == [("company.all", {"type": "post.created", "post": post.pk, "community": None, "author": anna.pk})]


def test_nothing_is_sent_when_the_transaction_rolls_back(anna, public, sent, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        create(anna, public, "Hello")
        post = Post.objects.get()
        comment_create(actor=anna, post=post, body="Hi")
        reaction_set(actor=anna, post=post, kind="like")
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert sent == []
    assert not Post.objects.exists()


def test_refused_writes_send_nothing(anna, carol, private, sent, django_capture_on_commit_callbacks):
    post = create(anna, private, "Hello")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(PermissionDenied):
            create(carol, private, "Hi")
        with pytest.raises(PermissionDenied):
            comment_create(actor=carol, post=post, body="Hi")
        with pytest.raises(PermissionDenied):
            reaction_set(actor=carol, post=post, kind="like")
        with pytest.raises(ValidationError):
            create(anna, private, "")
    assert callbacks == []
    assert sent == []


def test_post_update_event(bob, public, sent, django_capture_on_commit_callbacks):
    post = create(bob, public, "Hello")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(actor=bob, post=post, body="Hello again")
        post_update(actor=bob, post=post, body="Hello again")  # unchanged: no event
    assert sent == [
        (f"community.{public.pk}", {"type": "post.updated", "post": post.pk, "community": public.pk, "author": bob.pk})
    ]


def test_events_of_post_changes(anna, bob, public, sent, django_capture_on_commit_callbacks):
    post = create(bob, public, "Hello")
    base = {"post": post.pk, "community": public.pk, "author": bob.pk}
    with django_capture_on_commit_callbacks(execute=True):
        post_update(actor=bob, post=post, body="Hello again")
        post_pin(actor=anna, post=post, pinned=True)
        post_delete(actor=anna, post=post)
        post_restore(actor=anna, post=post)
    group = f"community.{public.pk}"
    assert sent == [
        (group, {"type": "post.updated", **base}),
        (group, {"type": "post.updated", **base}),
        (group, {"type": "post.deleted", **base}),
        (group, {"type": "post.created", **base}),
    ]


def test_events_of_interactions(anna, bob, public, sent, django_capture_on_commit_callbacks):
    question = create(anna, public, "Where?", kind=Kind.QUESTION)
    sent.clear()
    base = {"post": question.pk, "community": public.pk, "author": anna.pk}
    with django_capture_on_commit_callbacks(execute=True):
        top = comment_create(actor=bob, post=question, body="There")
        reply = comment_create(actor=anna, post=question, body="Thanks", parent=top)
        comment_update(actor=bob, comment=top, body="Over there")
        reaction_set(actor=bob, post=question, kind="like")
        reaction_set(actor=anna, comment=top, kind="support")
        best_answer_set(actor=anna, post=question, comment=top)
        comment_delete(actor=anna, comment=reply)
    group = f"community.{public.pk}"
    assert sent == [
        (group, {**base, "type": "comment.created", "comment": top.pk, "parent": None}),
        (group, {**base, "type": "comment.created", "comment": reply.pk, "parent": top.pk}),
        (group, {**base, "type": "comment.updated", "comment": top.pk}),
        (group, {**base, "type": "reaction.changed"}),
        (group, {**base, "type": "reaction.changed", "comment": top.pk}),
        (group, {**base, "type": "post.updated"}),
        (group, {**base, "type": "comment.deleted", "comment": reply.pk}),
    ]


def test_poll_vote_event_company_wide(anna, bob, sent, django_capture_on_commit_callbacks):
    post, (pizza, *_rest) = poll(anna)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        poll_vote(actor=bob, post=post, option_ids=[pizza.pk])
    assert sent == [("company.all", {"type": "poll.changed", "post": post.pk, "community": None, "author": anna.pk})]


def test_private_community_events_stay_in_its_group(anna, private, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = create(anna, private, "Secret")
    assert sent == [(f"community.{private.pk}", created_event(post))]
