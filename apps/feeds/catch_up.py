"""What a page missed while its socket was down: of the posts and comments it shows, those
changed since (edited, deleted, reacted to, voted on, commented on) and those the viewer may
no longer read. A change is told by the row's `updated_at`, which every change a card or a
comment shows moves (the services write it, counters included); what the viewer may read is
decided by `visible_to`, as everywhere. Five queries, however many items the page shows."""

from dataclasses import dataclass, field
from datetime import datetime

from apps.feeds.models import Comment, Post
from apps.feeds.selectors.card_rows import _decorated, _finish
from apps.feeds.selectors.posts import _comments

# At most this many of each are looked at: the ones a page shows, newest first, are enough.
POSTS_MAX = 200
COMMENTS_MAX = 500


@dataclass
class Changes:
    # Changed and still readable: to draw again, with what their cards need.
    posts: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    # Deleted, or no longer readable by the viewer: to take off the page.
    gone_posts: list[int] = field(default_factory=list)
    gone_comments: list[int] = field(default_factory=list)
    # Each comment's post, as its card shows it (the comment's actions depend on it).
    comment_posts: dict = field(default_factory=dict)


def changes_since(*, viewer, since: datetime, post_ids: list[int], comment_ids: list[int]) -> Changes:
    post_ids, comment_ids = post_ids[:POSTS_MAX], comment_ids[:COMMENTS_MAX]
    changes = Changes()
    readable_posts = dict(Post.objects.visible_to(viewer).filter(pk__in=post_ids).values_list("pk", "updated_at"))
    changes.gone_posts = [pk for pk in post_ids if pk not in readable_posts]
    changed_posts = {pk for pk, updated in readable_posts.items() if updated >= since}

    readable_comments = {
        pk: (updated, post_id)
        for pk, updated, post_id in Comment.objects.visible_to(viewer)
        .filter(pk__in=comment_ids)
        .values_list("pk", "updated_at", "post_id")
    }
    changes.gone_comments = [pk for pk in comment_ids if pk not in readable_comments]
    changed_comments = [pk for pk, (updated, _post) in readable_comments.items() if updated >= since]
    wanted_posts = changed_posts | {readable_comments[pk][1] for pk in changed_comments}

    if wanted_posts:
        cards = {post.pk: post for post in _finish(list(_decorated(viewer).filter(pk__in=wanted_posts)), viewer)}
        changes.posts = [cards[pk] for pk in post_ids if pk in changed_posts and pk in cards]
        changes.comment_posts = cards
    if changed_comments:
        changes.comments = [
            comment
            for comment in _comments(viewer).filter(pk__in=changed_comments).order_by("id")
            if comment.post_id in changes.comment_posts
        ]
    return changes
