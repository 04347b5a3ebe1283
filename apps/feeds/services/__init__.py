"""Writes to feeds; the only place that changes posts and what hangs off them."""

from apps.feeds.services.interactions import (  # noqa: F401
    best_answer_set,
    comment_create,
    comment_delete,
    comment_update,
    poll_is_closed,
    poll_vote,
    reaction_set,
)
from apps.feeds.services.posts import (  # noqa: F401
    bookmark_set,
    can_read,
    hashtag_follow_set,
    post_create,
    post_delete,
    post_pin,
    post_restore,
    post_update,
)
