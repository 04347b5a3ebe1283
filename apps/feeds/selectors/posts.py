"""One post and what hangs from it: the post with its card's data, as a moderator sees it,
its edit history, its comments a page at a time, and who reacted."""

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.core import prepared
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.feeds import rules
from apps.feeds.models import Comment, Post, PostRevision, Reaction
from apps.feeds.selectors.card_rows import _decorated, _finish
from apps.feeds.selectors.feed_pages import Page, _for_everyone, _stand_in_viewer

COMMENT_PAGE = 50


def post_get(*, viewer, post_id: int) -> Post:
    """One post with its card's data; 404 if the viewer may not read it."""
    if _for_everyone(viewer):

        def make():
            return None, _decorated(_stand_in_viewer()).filter(pk=prepared.SUBJECT)

        _none, statement = prepared.compiled(("post_get",), make, (prepared.VIEWER, prepared.SUBJECT))
        posts = statement.run({prepared.VIEWER: viewer.pk, prepared.SUBJECT: post_id})
    else:
        posts = list(_decorated(viewer).filter(pk=post_id))
    if not posts:
        raise Http404
    return _finish(posts, viewer)[0]


def post_for_moderation(*, viewer, post_id: int) -> Post:
    """A post, deleted or not, that the viewer moderates, or their own while not deleted
    (its edit history); 404 otherwise."""
    post = get_object_or_404(
        Post.objects.visible_to(viewer, include_deleted=True).select_related("community", "author__profile"),
        pk=post_id,
    )
    if not rules.can_moderate(viewer, post.community) and not (rules.is_author(viewer, post) and not post.is_deleted):
        raise Http404
    return post


def revisions_of(*, post: Post) -> list[PostRevision]:
    return list(post.revisions.select_related("edited_by__profile"))


def comment_get(*, viewer, comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.visible_to(viewer).select_related("post__community"), pk=comment_id)


def _comments(viewer):
    mine = {"user": viewer} if viewer.is_authenticated else {"pk__in": []}
    return (
        Comment.objects.visible_to(viewer)
        .select_related("author__profile")
        .annotate(my_reaction=Subquery(Reaction.objects.filter(comment=OuterRef("pk"), **mine).values("kind")[:1]))
    )


def comment_card(*, viewer, comment_id: int) -> Comment:
    """A comment with the viewer's reaction, as its card shows it; 404 if unreadable."""
    return get_object_or_404(_comments(viewer), pk=comment_id)


def comments_page(*, viewer, post: Post, cursor: str | None = None, limit: int = COMMENT_PAGE) -> Page:
    """Top-level comments, oldest first, each with its replies: two queries whatever the count."""
    tops = _comments(viewer).filter(post=post, parent__isnull=True)
    after = decode_cursor(cursor, types=(str, int))
    since = cursor_datetime(after[0]) if after else None
    if since is not None:
        tops = tops.filter(rows_after("created_at", since, "id", after[1]))
    rows = list(tops.order_by("created_at", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([rows[limit - 1].created_at.isoformat(), rows[limit - 1].id])
    rows = rows[:limit]
    replies: dict[int, list] = {row.pk: [] for row in rows}
    for reply in _comments(viewer).filter(parent__in=[row.pk for row in rows]).order_by("created_at", "id"):
        replies[reply.parent_id].append(reply)
    for row in rows:
        row.reply_list = replies[row.pk]
    return Page(rows, next_cursor)


def reactors(*, viewer, post: Post | None = None, comment: Comment | None = None, limit: int = 200) -> list[Reaction]:
    """Who reacted, and how, to an item the viewer may read."""
    reactions = Reaction.objects.visible_to(viewer).filter(**({"comment": comment} if comment else {"post": post}))
    return list(reactions.select_related("user__profile").order_by("kind", "-created_at", "-id")[:limit])
