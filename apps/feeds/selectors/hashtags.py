"""Hashtags: the ones a viewer may meet, their feed, how their heading writes them, and
whether the viewer follows them."""

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from apps.core.text import extract_mentions_and_hashtags, fold
from apps.feeds.models import Hashtag, HashtagFollow, Post, PostHashtag
from apps.feeds.selectors.feed_pages import PAGE_SIZE, FeedQuery, Page, _feed


def hashtag_get(*, viewer, name: str) -> Hashtag:
    """A hashtag the viewer has met: on a post they may read, or one they follow. A tag used
    only in a private community does not exist for outsiders (its name can say too much)."""
    readable = PostHashtag.objects.filter(hashtag=OuterRef("pk"), post__in=Post.objects.visible_to(viewer).values("pk"))
    followed = HashtagFollow.objects.filter(hashtag=OuterRef("pk"), user=viewer) if viewer.is_authenticated else None
    condition = Exists(readable) | Exists(followed) if followed is not None else Exists(readable)
    return get_object_or_404(Hashtag.objects.filter(condition), name=fold(name)[:60])


def _hashtag(viewer, hashtag_id) -> FeedQuery:
    tagged = PostHashtag.objects.filter(hashtag_id=hashtag_id, post=OuterRef("pk"))
    return FeedQuery(Post.objects.visible_to(viewer).filter(Exists(tagged)))


def hashtag_feed(*, viewer, hashtag: Hashtag, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    return _feed(_hashtag, viewer, cursor, limit, subject_id=hashtag.pk)


def hashtag_spelling(*, viewer, hashtag: Hashtag) -> str:
    """How the tag's heading writes it: as in the newest post carrying it that the viewer
    may read, else its normalised name. Never a spelling the viewer could not read: the
    first use may be a private post, and "#ReOrgAcme" says more than "reorgacme"."""
    tagged = PostHashtag.objects.filter(hashtag=hashtag, post=OuterRef("pk"))
    newest = Post.objects.visible_to(viewer).filter(Exists(tagged)).order_by("-created_at", "-pk")
    body = newest.values_list("body", flat=True).first() or ""
    _mentions, written = extract_mentions_and_hashtags(body)
    return next((tag for tag in written if fold(tag)[:60] == hashtag.name), hashtag.name)


def hashtag_followed(*, viewer, hashtag: Hashtag) -> bool:
    return HashtagFollow.objects.filter(user=viewer, hashtag=hashtag).exists()
