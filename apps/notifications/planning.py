"""Who hears about a fact (apps/facts), worked out when the task runs (not when the content was
written): rows deleted since, people who lost access since, are left out here."""

from dataclasses import dataclass
from datetime import timedelta

from apps.communities.models import MODERATING_ROLES, Community, Membership, State
from apps.feeds.models import Comment, Mention, Post, PraiseRecipient, Reaction
from apps.feeds.models import Kind as PostKind
from apps.notifications.models import Kind

# An edit's mentions are written a moment before its fact, in the same transaction.
EDIT_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Planned:
    recipient_id: int
    kind: str
    event_key: str
    target: str
    post_id: int | None = None
    comment_id: int | None = None
    community_id: int | None = None


def _post_planned(post: Post, user_ids, kind: str, event_key: str) -> list[Planned]:
    return [
        Planned(uid, kind, event_key, f"post:{post.pk}", post_id=post.pk, community_id=post.community_id)
        for uid in user_ids
    ]


def _readable(post_id: int, planned: list[Planned]) -> list[Planned]:
    readers = Post.objects.readers(post_id, {p.recipient_id for p in planned})
    return [p for p in planned if p.recipient_id in readers]


def _post_mentions(post: Post) -> list[Planned]:
    mentioned = Mention.objects.filter(post=post, comment__isnull=True).values_list("user_id", flat=True)
    return _post_planned(post, mentioned, Kind.MENTION, f"mention:post:{post.pk}")


def post_created(fact) -> list[Planned]:
    post = Post.objects.filter(pk=fact.data.get("post"), deleted_at__isnull=True).first()
    if post is None:
        return []
    planned = []
    if post.kind == PostKind.PRAISE:
        praised = PraiseRecipient.objects.filter(post=post).values_list("user_id", flat=True)
        planned += _post_planned(post, praised, Kind.PRAISE, f"praise:{post.pk}")
    planned += _post_mentions(post)
    if post.kind == PostKind.ANNOUNCEMENT:
        if post.community_id:
            audience = Membership.objects.filter(community_id=post.community_id, state=State.ACTIVE)
            audience = audience.values_list("user_id", flat=True)
        else:
            from django.contrib.auth import get_user_model

            audience = get_user_model().objects.filter(is_active=True).values_list("pk", flat=True)
        planned += _post_planned(post, audience, Kind.ANNOUNCEMENT, f"announcement:{post.pk}")
    return _readable(post.pk, planned)


def _new_mentions(fact):
    """The mentions an edit added (those it kept are older): a typo fixed on a post months
    old, its receipts pruned since, does not notify its mentioned people all over again."""
    return Mention.objects.filter(created_at__gte=fact.created_at - EDIT_WINDOW)


def post_updated(fact) -> list[Planned]:
    post = Post.objects.filter(pk=fact.data.get("post"), deleted_at__isnull=True).first()
    if post is None:
        return []
    mentioned = _new_mentions(fact).filter(post=post, comment__isnull=True).values_list("user_id", flat=True)
    return _readable(post.pk, _post_planned(post, mentioned, Kind.MENTION, f"mention:post:{post.pk}"))


def _comment(fact) -> Comment | None:
    return (
        Comment.objects.filter(pk=fact.data.get("comment"), deleted_at__isnull=True)
        .select_related("post", "parent")
        .first()
    )


def _comment_planned(comment: Comment, user_ids, kind: str, event_key: str, target: str) -> list[Planned]:
    return [
        Planned(
            uid,
            kind,
            event_key,
            target,
            post_id=comment.post_id,
            comment_id=comment.pk,
            community_id=comment.post.community_id,
        )
        for uid in user_ids
    ]


def _comment_mentions(comment: Comment) -> list[Planned]:
    mentioned = Mention.objects.filter(comment=comment).values_list("user_id", flat=True)
    return _comment_planned(comment, mentioned, Kind.MENTION, f"mention:comment:{comment.pk}", f"comment:{comment.pk}")


def comment_created(fact) -> list[Planned]:
    comment = _comment(fact)
    if comment is None or comment.post.deleted_at:
        return []
    key = f"comment:{comment.pk}"
    # The first plan for a person wins: mentioned beats replied to beats commented on.
    planned = _comment_mentions(comment)
    if comment.parent_id and not comment.parent.deleted_at:
        target = f"comment:{comment.parent_id}"
        planned += _comment_planned(comment, [comment.parent.author_id], Kind.REPLY, key, target)
    planned += _comment_planned(comment, [comment.post.author_id], Kind.COMMENT, key, f"post:{comment.post_id}")
    return _readable(comment.post_id, planned)


def comment_updated(fact) -> list[Planned]:
    comment = _comment(fact)
    if comment is None or comment.post.deleted_at:
        return []
    mentioned = _new_mentions(fact).filter(comment=comment).values_list("user_id", flat=True)
    key, target = f"mention:comment:{comment.pk}", f"comment:{comment.pk}"
    return _readable(comment.post_id, _comment_planned(comment, mentioned, Kind.MENTION, key, target))


def reaction(fact) -> list[Planned]:
    """A reaction still there when the task runs (taken back at once, it says nothing)."""
    actor_id = fact.actor_id
    if fact.data.get("comment"):
        comment = _comment(fact)
        if comment is None or not Reaction.objects.filter(user_id=actor_id, comment=comment).exists():
            return []
        key, target = f"reaction:comment:{comment.pk}:{actor_id}", f"comment:{comment.pk}"
        planned = _comment_planned(comment, [comment.author_id], Kind.REACTION, key, target)
        return _readable(comment.post_id, planned)
    post = Post.objects.filter(pk=fact.data.get("post"), deleted_at__isnull=True).first()
    if post is None or not Reaction.objects.filter(user_id=actor_id, post=post).exists():
        return []
    planned = _post_planned(post, [post.author_id], Kind.REACTION, f"reaction:post:{post.pk}:{actor_id}")
    return _readable(post.pk, planned)


def _membership(fact, state: str) -> Membership | None:
    """The membership, if it is still in `state` (an invitation declined since, a request
    withdrawn since, tells nobody anything)."""
    return (
        Membership.objects.filter(community_id=fact.data.get("community"), user_id=fact.data.get("user"), state=state)
        .select_related("community")
        .first()
    )


def _seeing_community(community_id: int, planned: list[Planned]) -> list[Planned]:
    from django.contrib.auth import get_user_model

    kept = []
    users = get_user_model().objects.in_bulk([p.recipient_id for p in planned])
    for item in planned:
        user = users.get(item.recipient_id)
        if user and Community.objects.visible_to(user).filter(pk=community_id).exists():
            kept.append(item)
    return kept


def _community_planned(membership: Membership, user_ids, kind: str, key: str) -> list[Planned]:
    community_id = membership.community_id
    planned = [Planned(uid, kind, key, f"community:{community_id}", community_id=community_id) for uid in user_ids]
    return _seeing_community(community_id, planned)


def membership_invited(fact) -> list[Planned]:
    membership = _membership(fact, State.INVITED)
    if membership is None:
        return []
    return _community_planned(membership, [membership.user_id], Kind.INVITATION, f"invitation:{fact.pk}")


def membership_requested(fact) -> list[Planned]:
    membership = _membership(fact, State.REQUESTED)
    if membership is None:
        return []
    managers = Membership.objects.filter(
        community_id=membership.community_id, state=State.ACTIVE, role__in=MODERATING_ROLES
    ).values_list("user_id", flat=True)
    return _community_planned(membership, managers, Kind.JOIN_REQUEST, f"join_request:{fact.pk}")


def membership_approved(fact) -> list[Planned]:
    membership = _membership(fact, State.ACTIVE)
    if membership is None:
        return []
    return _community_planned(membership, [membership.user_id], Kind.REQUEST_APPROVED, f"approved:{fact.pk}")


PLANNERS = {
    "post.created": post_created,
    "post.updated": post_updated,
    "comment.created": comment_created,
    "comment.updated": comment_updated,
    "reaction": reaction,
    "membership.invited": membership_invited,
    "membership.requested": membership_requested,
    "membership.approved": membership_approved,
}
