"""Writing posts: create (every kind), edit with history, soft delete and restore, pin,
bookmark, follow a hashtag. Each service checks the actor's rights, writes in one
transaction, and sends its live event after commit."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.communities.models import Community, Visibility
from apps.core.text import extract_mentions_and_hashtags, fold, render_markdown
from apps.facts.services import fact_record
from apps.feeds import rules
from apps.feeds.events import post_event
from apps.feeds.models import (
    Attachment,
    Badge,
    Bookmark,
    Hashtag,
    HashtagFollow,
    Kind,
    Mention,
    PollOption,
    Post,
    PostHashtag,
    PostRevision,
    PraiseRecipient,
)
from apps.files import attachments as files
from apps.moderation.services import audit_record
from apps.profiles.selectors import display_name, resolve_handles

MAX_BODY = 20000
MAX_MENTIONS = 50
MAX_HASHTAGS = 30
MAX_POLL_OPTIONS = 10
MAX_PRAISE_RECIPIENTS = 20


def hashtag_url(name: str) -> str:
    return reverse("feeds:hashtag", args=[name])


def render_body(body: str, *, hashtags: bool = True) -> tuple[str, dict, list[str]]:
    """(sanitised HTML, {handle: user} of the mentions, hashtags as written). Only posts
    carry hashtags (a comment's #word would link to a feed that does not hold it)."""
    handles, written = extract_mentions_and_hashtags(body)
    mentioned = resolve_handles(handles[:MAX_MENTIONS])
    links = {key: (reverse("people:detail", args=[user.pk]), display_name(user)) for key, user in mentioned.items()}
    html = render_markdown(body, mentions=links, hashtag_url=hashtag_url if hashtags else None)
    return html, mentioned, written[:MAX_HASHTAGS] if hashtags else []


def can_read(user, post: Post) -> bool:
    return Post.objects.visible_to(user).filter(pk=post.pk).exists()


def record_mentions(*, post: Post, users, comment=None) -> list[int]:
    """Mentions of the people who may read the post; mentioning nobody grants access.
    Returns the ids recorded (who will be notified)."""
    readers = [user for user in users if user.is_active and can_read(user, post)]
    Mention.objects.bulk_create(
        [Mention(post=post, comment=comment, user=user) for user in readers], ignore_conflicts=True
    )
    return [user.pk for user in readers]


def _set_hashtags(post: Post, written: list[str], *, new: bool = False) -> None:
    names = {fold(tag): tag for tag in written}
    if not new:  # a new post has no tags to take off
        PostHashtag.objects.filter(post=post).exclude(hashtag__name__in=list(names)).delete()
    if not names:
        return
    # The row keeps the normalised name only: a spelling is a post's content, shown to
    # those who may read that post (selectors.hashtag_spelling), and the first use may be private.
    Hashtag.objects.bulk_create([Hashtag(name=name[:60], display=name[:60]) for name in names], ignore_conflicts=True)
    tags = Hashtag.objects.filter(name__in=[name[:60] for name in names])
    PostHashtag.objects.bulk_create([PostHashtag(post=post, hashtag=tag) for tag in tags], ignore_conflicts=True)


def _clean_body(body: str, *, required: bool) -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {
                "body": _("The message is %(length)d characters; at most %(max)d.")
                % {"length": len(body), "max": MAX_BODY}
            }
        )
    return body


def _clean_poll(options: list[str], closes_at: datetime | None) -> list[str]:
    labels = []
    for label in options:
        label = (label or "").strip()
        if label and label.casefold() not in (seen.casefold() for seen in labels):
            labels.append(label)
    if len(labels) < 2:
        raise ValidationError({"poll_options": _("A poll needs at least two different options.")})
    if len(labels) > MAX_POLL_OPTIONS:
        raise ValidationError({"poll_options": _("A poll has at most %(max)d options.") % {"max": MAX_POLL_OPTIONS}})
    if any(len(label) > 200 for label in labels):
        raise ValidationError({"poll_options": _("An option has at most 200 characters.")})
    if closes_at is not None and closes_at <= timezone.now():
        raise ValidationError({"poll_closes_at": _("The closing date must be in the future.")})
    return labels


def _clean_recipients(*, actor, recipients, community: Community | None) -> list:
    people = list({user.pk: user for user in recipients}.values())
    if not people:
        raise ValidationError({"recipients": _("Choose at least one colleague to praise.")})
    if len(people) > MAX_PRAISE_RECIPIENTS:
        raise ValidationError(
            {"recipients": _("At most %(max)d people in one praise.") % {"max": MAX_PRAISE_RECIPIENTS}}
        )
    if any(user.pk == actor.pk for user in people):
        raise ValidationError({"recipients": _("You cannot praise yourself.")})
    inactive = [display_name(user) for user in people if not user.is_active]
    if inactive:
        raise ValidationError(
            {"recipients": _("No longer with the company: %(names)s.") % {"names": ", ".join(inactive)}}
        )
    if community is not None and community.visibility == Visibility.PRIVATE:
        readers = set(
            Community.objects.filter(pk=community.pk)
            .filter(memberships__user__in=people, memberships__state="active")
            .values_list("memberships__user_id", flat=True)
        )
        outsiders = [display_name(user) for user in people if user.pk not in readers]
        if outsiders:
            raise ValidationError(
                {
                    "recipients": ngettext(
                        "Not a member of this private community: %(names)s.",
                        "Not members of this private community: %(names)s.",
                        len(outsiders),
                    )
                    % {"names": ", ".join(outsiders)}
                }
            )
    return people


def _share_original(*, actor, shared_post: Post, community: Community | None) -> Post:
    original = shared_post.shared_post if shared_post.kind == Kind.SHARE and shared_post.shared_post_id else shared_post
    if not can_read(actor, original):
        raise PermissionDenied
    if not rules.share_targets_allowed(original.community, community):
        raise ValidationError(
            {"community": _("This post is in a private community: it can only be shared inside that community.")}
        )
    return original


def post_create(
    *,
    actor,
    community: Community | None,
    body: str,
    kind: str = Kind.POST,
    uploads: list | None = None,
    poll_options: list[str] | None = None,
    poll_multiple: bool = False,
    poll_closes_at: datetime | None = None,
    badge: str = "",
    recipients: list | None = None,
    pinned: bool = False,
    shared_post: Post | None = None,
) -> Post:
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of post.")})
    rules.ensure_open(community)
    if not rules.can_post(actor, community):
        raise PermissionDenied(_("Join the community to post in it."))
    if kind == Kind.ANNOUNCEMENT and not rules.can_announce(actor, community):
        raise PermissionDenied(_("Only community owners (and site administrators, company-wide) make announcements."))
    body = _clean_body(body, required=kind != Kind.SHARE)
    labels = _clean_poll(poll_options or [], poll_closes_at) if kind == Kind.POLL else []
    if kind == Kind.PRAISE:
        if badge not in Badge.values:
            raise ValidationError({"badge": _("Choose a badge.")})
        people = _clean_recipients(actor=actor, recipients=recipients or [], community=community)
    original = None
    if kind == Kind.SHARE:
        if shared_post is None:
            raise ValidationError(_("Nothing to share."))
        original = _share_original(actor=actor, shared_post=shared_post, community=community)
    prepared = files.prepare_uploads(list(uploads or []))
    html, mentioned, hashtags = render_body(body)
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                author=actor,
                community=community,
                kind=kind,
                body=body,
                body_html=html,
                shared_post=original,
                badge=badge if kind == Kind.PRAISE else "",
                poll_multiple=bool(poll_multiple) if kind == Kind.POLL else False,
                poll_closes_at=poll_closes_at if kind == Kind.POLL else None,
                pinned_at=timezone.now() if pinned and kind == Kind.ANNOUNCEMENT else None,
            )
            if labels:
                PollOption.objects.bulk_create(
                    [PollOption(post=post, label=label, position=i) for i, label in enumerate(labels)]
                )
            if kind == Kind.PRAISE:
                PraiseRecipient.objects.bulk_create([PraiseRecipient(post=post, user=user) for user in people])
            attached = Attachment.objects.bulk_create(
                files.attached_rows(Attachment, prepared, folder=f"attachments/{post.pk}", stored=stored, post=post)
            )

            files.process_later(attached, "feeds.process_attachment")
            noticed = record_mentions(post=post, users=[u for u in mentioned.values() if u.pk != actor.pk])
            _set_hashtags(post, hashtags, new=True)
            if post.pinned_at:  # an announcement pinned as it is made: a pin like any other
                audit_record(
                    actor=actor, action="post.pin", target=post, before=None, after={"pinned_at": post.pinned_at}
                )
            post_event(post, "post.created")
            if noticed or kind in (Kind.PRAISE, Kind.ANNOUNCEMENT):
                fact_record(event="post.created", actor=actor, post=post.pk)
    except Exception:
        files.delete_files(stored)
        raise
    return post


def post_update(*, actor, post: Post, body: str) -> Post:
    """The author edits the text; the previous text goes to the history."""
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("community").get(pk=post.pk)
        # An author who lost access (left a private community) no longer edits there.
        if not rules.can_edit(actor, post) or post.is_deleted or not can_read(actor, post):
            raise PermissionDenied
        rules.ensure_open(post.community)
        body = _clean_body(body, required=post.kind != Kind.SHARE)
        if body == post.body:
            return post
        PostRevision.objects.create(post=post, body=post.body, edited_by=actor)
        html, mentioned, hashtags = render_body(body)
        post.body, post.body_html, post.edited_at = body, html, timezone.now()
        post.save(update_fields=["body", "body_html", "edited_at", "updated_at"])
        keep = [u for u in mentioned.values() if u.pk != actor.pk]
        Mention.objects.filter(post=post, comment__isnull=True).exclude(user__in=keep).delete()
        if record_mentions(post=post, users=keep):
            fact_record(event="post.updated", actor=actor, post=post.pk)
        _set_hashtags(post, hashtags)
        post_event(post, "post.updated")
    return post


def post_delete(*, actor, post: Post) -> Post:
    """Soft: the author or a moderator hides it; moderators can restore it."""
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("community").get(pk=post.pk)
        if post.is_deleted:
            return post
        if not rules.can_delete(actor, post, post.community):
            raise PermissionDenied
        post.deleted_at, post.deleted_by, post.pinned_at = timezone.now(), actor, None
        post.save(update_fields=["deleted_at", "deleted_by", "pinned_at", "updated_at"])
        if post.author_id != actor.pk:
            audit_record(
                actor=actor, action="post.delete", target=post, before={"deleted": False}, after={"deleted": True}
            )
        post_event(post, "post.deleted")
    return post


def post_restore(*, actor, post: Post) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("community").get(pk=post.pk)
        if not rules.can_moderate(actor, post.community):
            raise PermissionDenied
        if not post.is_deleted:
            return post
        post.deleted_at = post.deleted_by = None
        post.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        audit_record(
            actor=actor, action="post.restore", target=post, before={"deleted": True}, after={"deleted": False}
        )
        post_event(post, "post.created")
    return post


def post_pin(*, actor, post: Post, pinned: bool) -> Post:
    """Moderators pin in their community; site admins pin company-wide posts."""
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("community").get(pk=post.pk)
        if post.is_deleted or not rules.can_moderate(actor, post.community):
            raise PermissionDenied
        rules.ensure_open(post.community)
        before = post.pinned_at
        post.pinned_at = timezone.now() if pinned else None
        post.save(update_fields=["pinned_at", "updated_at"])
        if before is not None or pinned:  # unpinning what was not pinned changes nothing
            # Pinning puts a post above everyone's: a moderator's act, audited like a deletion.
            audit_record(
                actor=actor,
                action="post.pin" if pinned else "post.unpin",
                target=post,
                before={"pinned_at": before},
                after={"pinned_at": post.pinned_at},
            )
        post_event(post, "post.updated")
    return post


def bookmark_set(*, actor, post: Post, saved: bool) -> bool:
    if saved:
        if not can_read(actor, post):
            raise PermissionDenied
        Bookmark.objects.get_or_create(user=actor, post=post)
    else:
        Bookmark.objects.filter(user=actor, post=post).delete()
    return saved


def hashtag_follow_set(*, actor, hashtag: Hashtag, followed: bool) -> bool:
    if followed:
        HashtagFollow.objects.get_or_create(user=actor, hashtag=hashtag)
    else:
        HashtagFollow.objects.filter(user=actor, hashtag=hashtag).delete()
    return followed
