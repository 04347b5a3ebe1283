"""Reads of posts, for the views and services (and the pages that show a feed). Every feed
starts from `Post.objects.visible_to(viewer)` and is one query, its cards' data included.

- feed_pages.py: how a feed's page is read (one prepared statement, keyset cursors);
- card_rows.py: what each card needs beyond the post row, and what the viewer may do with it;
- feeds.py: the feeds themselves, and what is newer than a page shows;
- hashtags.py: hashtags, their feed and heading;
- posts.py: one post, its comments, who reacted;
- composer.py: where the viewer may post, and whom they may mention.

The names below are this package's interface; the underscored ones are for the feeds app's
own catch-up and tests."""

from apps.feeds.selectors.card_rows import CARD_DEFERRED, _decorated, _finish
from apps.feeds.selectors.composer import composer_rights, mention_candidates, postable_communities
from apps.feeds.selectors.feed_pages import PAGE_SIZE, PINNED_LIMIT, FeedQuery, Page, _feed_statement, _page
from apps.feeds.selectors.feeds import (
    LIVE_FEEDS,
    NEWER_LIMIT,
    _bookmarks,
    _community,
    _company,
    _home,
    _praise,
    _profile,
    bookmark_feed,
    community_feed,
    company_feed,
    deleted_feed,
    home_feed,
    home_sources,
    newer_posts,
    praise_feed,
    profile_feed,
)
from apps.feeds.selectors.hashtags import _hashtag, hashtag_feed, hashtag_followed, hashtag_get, hashtag_spelling
from apps.feeds.selectors.posts import (
    COMMENT_PAGE,
    _comments,
    comment_card,
    comment_get,
    comments_page,
    post_for_moderation,
    post_get,
    reactors,
    revisions_of,
)

__all__ = [
    "CARD_DEFERRED",
    "COMMENT_PAGE",
    "LIVE_FEEDS",
    "NEWER_LIMIT",
    "PAGE_SIZE",
    "PINNED_LIMIT",
    "FeedQuery",
    "Page",
    "_bookmarks",
    "_comments",
    "_community",
    "_company",
    "_decorated",
    "_feed_statement",
    "_finish",
    "_hashtag",
    "_home",
    "_page",
    "_praise",
    "_profile",
    "bookmark_feed",
    "comment_card",
    "comment_get",
    "comments_page",
    "community_feed",
    "company_feed",
    "composer_rights",
    "deleted_feed",
    "hashtag_feed",
    "hashtag_followed",
    "hashtag_get",
    "hashtag_spelling",
    "home_feed",
    "home_sources",
    "mention_candidates",
    "newer_posts",
    "post_for_moderation",
    "post_get",
    "postable_communities",
    "praise_feed",
    "profile_feed",
    "reactors",
    "revisions_of",
]
