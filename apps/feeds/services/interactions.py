"""Comments (one level of replies), reactions, poll votes and best answers.

Counters on posts and comments are recomputed from the rows, with the parent row locked
first: two people reacting at once can never leave a wrong count."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.communities.models import Membership, State
from apps.core.reactions import ReactionKind
from apps.facts.services import fact_record
from apps.feeds import rules
from apps.feeds.events import post_event
from apps.feeds.models import Comment, Kind, Mention, PollOption, PollVote, Post, Reaction
from apps.feeds.services.posts import can_read, record_mentions, render_body
from apps.moderation.services import audit_record

MAX_COMMENT = 10000


def _locked_readable_post(actor, post_id: int) -> Post:
    """The post, locked, if the actor may read it; 404-like PermissionDenied otherwise."""
    post = Post.objects.select_for_update(of=("self",)).select_related("community").filter(pk=post_id).first()
    if post is None or not can_read(actor, post):
        raise PermissionDenied
    return post


def _check_can_interact(actor, post: Post) -> None:
    """Reacting and voting: whoever reads the post, except in an archived community, and
    except people banned from the community (who may still read a public one)."""
    if post.community is None:
        return
    rules.ensure_open(post.community)
    if Membership.objects.filter(community=post.community, user=actor, state=State.BANNED).exists():
        raise PermissionDenied


def _recount_post(post_id: int) -> None:
    # `updated_at` too: a page that missed the change while disconnected asks what changed since.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE feeds_post SET
              comment_count = (SELECT count(*) FROM feeds_comment c WHERE c.post_id = %s AND c.deleted_at IS NULL),
              reaction_counts = COALESCE((
                SELECT jsonb_object_agg(kind, n) FROM (
                  SELECT kind, count(*) AS n FROM feeds_reaction WHERE post_id = %s GROUP BY kind
                ) AS counted), '{}'::jsonb),
              updated_at = %s
            WHERE id = %s
            """,
            [post_id, post_id, timezone.now(), post_id],
        )


def _recount_comment(comment_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE feeds_comment SET reaction_counts = COALESCE((
                SELECT jsonb_object_agg(kind, n) FROM (
                  SELECT kind, count(*) AS n FROM feeds_reaction WHERE comment_id = %s GROUP BY kind
                ) AS counted), '{}'::jsonb), updated_at = %s
            WHERE id = %s
            """,
            [comment_id, timezone.now(), comment_id],
        )


def _clean_comment(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError(
            {
                "body": _("The comment is %(length)d characters; at most %(max)d.")
                % {"length": len(body), "max": MAX_COMMENT}
            }
        )
    return body


def comment_create(*, actor, post: Post, body: str, parent: Comment | None = None) -> Comment:
    """Anyone who may post where the post is may comment; a reply to a reply joins its thread."""
    body = _clean_comment(body)
    html, mentioned, _tags = render_body(body, hashtags=False)
    with transaction.atomic():
        post = _locked_readable_post(actor, post.pk)
        rules.ensure_open(post.community)
        if not rules.can_post(actor, post.community):
            raise PermissionDenied(_("Join the community to comment."))
        if parent is not None:
            parent = Comment.objects.filter(pk=parent.pk, post=post, deleted_at__isnull=True).first()
            if parent is None:
                raise ValidationError(_("The comment you replied to was deleted."))
            if parent.parent_id:
                parent = parent.parent
        comment = Comment.objects.create(post=post, parent=parent, author=actor, body=body, body_html=html)
        record_mentions(post=post, comment=comment, users=[u for u in mentioned.values() if u.pk != actor.pk])
        _recount_post(post.pk)
        post_event(post, "comment.created", comment=comment.pk, parent=comment.parent_id)
        fact_record(event="comment.created", actor=actor, comment=comment.pk)
    return comment


def comment_update(*, actor, comment: Comment, body: str) -> Comment:
    body = _clean_comment(body)
    with transaction.atomic():
        comment = Comment.objects.select_for_update(of=("self",)).select_related("post__community").get(pk=comment.pk)
        if not rules.can_edit(actor, comment) or comment.deleted_at or not can_read(actor, comment.post):
            raise PermissionDenied
        rules.ensure_open(comment.post.community)
        html, mentioned, _tags = render_body(body, hashtags=False)
        comment.body, comment.body_html, comment.edited_at = body, html, timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at", "updated_at"])
        keep = [u for u in mentioned.values() if u.pk != actor.pk]
        Mention.objects.filter(comment=comment).exclude(user__in=keep).delete()
        if record_mentions(post=comment.post, comment=comment, users=keep):
            fact_record(event="comment.updated", actor=actor, comment=comment.pk)
        post_event(comment.post, "comment.updated", comment=comment.pk)
    return comment


def comment_delete(*, actor, comment: Comment) -> Comment:
    with transaction.atomic():
        post = _locked_readable_post(actor, comment.post_id)
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if not rules.can_delete(actor, comment, post.community):
            raise PermissionDenied
        if comment.deleted_at is None:
            comment.deleted_at = timezone.now()
            comment.save(update_fields=["deleted_at", "updated_at"])
            # A thread goes with its first comment: no replies left hanging under nothing.
            Comment.objects.filter(parent=comment, deleted_at__isnull=True).update(deleted_at=comment.deleted_at)
            if post.best_answer_id == comment.pk:
                Post.objects.filter(pk=post.pk).update(best_answer=None)
            if comment.author_id != actor.pk:  # a moderator's act on someone's words
                audit_record(
                    actor=actor,
                    action="comment.delete",
                    target=comment,
                    before={"deleted": False},
                    after={"deleted": True},
                )
            _recount_post(post.pk)
            post_event(post, "comment.deleted", comment=comment.pk)
    return comment


def reaction_set(*, actor, kind: str | None, post: Post | None = None, comment: Comment | None = None) -> str | None:
    """One reaction per person per item: set it, change it, or remove it (kind None)."""
    if kind is not None and kind not in ReactionKind.values:
        raise ValidationError(_("Unknown reaction."))
    with transaction.atomic():
        if comment is not None:
            post = _locked_readable_post(actor, comment.post_id)
            comment = Comment.objects.select_for_update().filter(pk=comment.pk, deleted_at__isnull=True).first()
            if comment is None:
                raise PermissionDenied
            target = {"comment": comment}
        else:
            post = _locked_readable_post(actor, post.pk)
            target = {"post": post}
        _check_can_interact(actor, post)
        if kind is None:
            Reaction.objects.filter(user=actor, **target).delete()
        else:
            _reaction, added = Reaction.objects.update_or_create(user=actor, **target, defaults={"kind": kind})
            author_id = comment.author_id if comment is not None else post.author_id
            if added and author_id != actor.pk:
                ids = {"comment": comment.pk} if comment is not None else {"post": post.pk}
                fact_record(event="reaction", actor=actor, **ids)
        if comment is not None:
            _recount_comment(comment.pk)
            post_event(post, "reaction.changed", comment=comment.pk)
        else:
            _recount_post(post.pk)
            post_event(post, "reaction.changed")
    return kind


def poll_is_closed(post: Post) -> bool:
    return post.poll_closes_at is not None and post.poll_closes_at <= timezone.now()


def poll_vote(*, actor, post: Post, option_ids: list[int]) -> list[int]:
    """Replace the actor's answer to the poll (an empty list withdraws it)."""
    with transaction.atomic():
        post = _locked_readable_post(actor, post.pk)
        if post.kind != Kind.POLL or post.is_deleted:
            raise PermissionDenied
        _check_can_interact(actor, post)
        if poll_is_closed(post):
            raise ValidationError(_("This poll is closed."))
        chosen = list(PollOption.objects.filter(post=post, pk__in=option_ids).values_list("pk", flat=True))
        if len(chosen) != len(set(option_ids)):
            raise ValidationError(_("Choose among the poll's options."))
        if len(chosen) > 1 and not post.poll_multiple:
            raise ValidationError(_("This poll takes one answer."))
        PollVote.objects.filter(post=post, user=actor).delete()
        PollVote.objects.bulk_create([PollVote(post=post, option_id=pk, user=actor) for pk in chosen])
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE feeds_polloption o SET vote_count = "
                "(SELECT count(*) FROM feeds_pollvote v WHERE v.option_id = o.id) WHERE o.post_id = %s",
                [post.pk],
            )
        Post.objects.filter(pk=post.pk).update(updated_at=timezone.now())  # the card changed
        post_event(post, "poll.changed")
    return chosen


def best_answer_set(*, actor, post: Post, comment: Comment | None) -> Post:
    """The question's author or a moderator marks (or clears) the best answer."""
    with transaction.atomic():
        post = _locked_readable_post(actor, post.pk)
        if not rules.can_choose_best_answer(actor, post, post.community):
            raise PermissionDenied
        rules.ensure_open(post.community)
        if comment is not None:
            comment = Comment.objects.filter(pk=comment.pk, post=post, deleted_at__isnull=True).first()
            if comment is None:
                raise ValidationError(_("This answer no longer exists."))
        before = post.best_answer_id
        post.best_answer = comment
        post.save(update_fields=["best_answer", "updated_at"])
        if post.author_id != actor.pk and before != post.best_answer_id:  # a moderator chose for the author
            audit_record(
                actor=actor,
                action="post.best_answer",
                target=post,
                before={"best_answer": before},
                after={"best_answer": post.best_answer_id},
            )
        post_event(post, "post.updated")
    return post
