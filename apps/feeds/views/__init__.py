"""Feeds, posts, comments, reactions, attachments: parse, call a service or selector, render.
A post or comment the viewer may not read is a 404, never a 403.

- feed_pages.py: home, all company, bookmarks, hashtags, deleted posts, a feed's next pages;
- composer.py: the composer (`composer_context`, also for apps/pages), posting, mentions;
- posts.py: one post and its actions (edit, delete, restore, history, pin, bookmark, vote,
  best answer, share);
- comments.py: a post's comments; reactions.py: reacting and who reacted;
- attachments.py: attached files; common.py: what they share.

apps/feeds/urls.py and config/urls.py name the views from here."""

from apps.feeds.views.attachments import attachment_download, attachment_thumbnail
from apps.feeds.views.comments import comment_delete, comment_edit, post_comments
from apps.feeds.views.composer import composer_context, mentions, post_create, post_preview
from apps.feeds.views.feed_pages import (
    bookmarks,
    community_feed,
    company,
    deleted,
    hashtag,
    hashtag_follow,
    home,
    profile_feed,
)
from apps.feeds.views.posts import (
    post_best_answer,
    post_bookmark,
    post_delete,
    post_detail,
    post_edit,
    post_history,
    post_pin,
    post_restore,
    post_share,
    post_vote,
)
from apps.feeds.views.reactions import comment_react, comment_reactions, post_react, post_reactions

__all__ = [
    "attachment_download",
    "attachment_thumbnail",
    "bookmarks",
    "comment_delete",
    "comment_edit",
    "comment_react",
    "comment_reactions",
    "community_feed",
    "company",
    "composer_context",
    "deleted",
    "hashtag",
    "hashtag_follow",
    "home",
    "mentions",
    "post_best_answer",
    "post_bookmark",
    "post_comments",
    "post_create",
    "post_delete",
    "post_detail",
    "post_edit",
    "post_history",
    "post_pin",
    "post_preview",
    "post_react",
    "post_reactions",
    "post_restore",
    "post_share",
    "post_vote",
    "profile_feed",
]
