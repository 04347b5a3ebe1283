"""What the feeds broadcast, after commit: ids only, never content, to the group of the
post's audience (its community's, or the company's for company-wide posts)."""

from apps.core.broadcast import broadcast_on_commit, group_name


def audience_group(post) -> str:
    return group_name("community", post.community_id) if post.community_id else group_name("company", "all")


def post_event(post, event: str, **extra) -> None:
    payload = {"type": event, "post": post.pk, "community": post.community_id, "author": post.author_id, **extra}
    broadcast_on_commit(audience_group(post), payload)
