"""What the top bar suggests as one types: people, communities and hashtags.

Each through its owner's visibility: people as the directory shows them, communities whose
content the viewer may read (someone invited to a private community, or removed from it, is
not shown its name), and hashtags carried by at least one post the viewer may read (a tag
used only inside a private community is not suggested to those outside it)."""

import re

from django.db.models import Exists, OuterRef

from apps.communities.models import Community
from apps.core.text import fold, search_terms
from apps.feeds.models import Hashtag, Post, PostHashtag
from apps.profiles import selectors as profile_selectors

_TAG = re.compile(r"\w[\w-]{0,58}")
PEOPLE = 5
COMMUNITIES = 3
HASHTAGS = 3


def suggestions(*, viewer, query: str) -> dict:
    """{"people": [...], "communities": [...], "hashtags": [...]}, in four statements at most."""
    words = search_terms(query)
    people = profile_selectors.profile_search(viewer=viewer, query=query, limit=PEOPLE).items if words else []
    communities = []
    if words:
        rows = Community.objects.content_visible_to(viewer)
        for word in words:
            rows = rows.filter(search_text__contains=word)
        communities = list(rows.order_by("archived_at", "sort_name", "id")[:COMMUNITIES])
    return {"people": people, "communities": communities, "hashtags": hashtags(viewer=viewer, query=query)}


def hashtags(*, viewer, query: str, limit: int = HASHTAGS) -> list[Hashtag]:
    """Hashtags starting with the box's one word (with or without its "#")."""
    typed = query.strip().lstrip("#")
    if not _TAG.fullmatch(typed):  # one word as a hashtag is written, or nothing to suggest
        return []
    prefix = fold(typed)
    readable = PostHashtag.objects.filter(hashtag=OuterRef("pk"), post__in=Post.objects.visible_to(viewer).values("pk"))
    return list(Hashtag.objects.filter(name__startswith=prefix).filter(Exists(readable)).order_by("name")[:limit])
