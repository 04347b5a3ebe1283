"""Feeds' part in what lower apps do (connected in FeedsConfig.ready)."""

from django.dispatch import receiver

from apps.communities.signals import community_deleting
from apps.feeds.models import Attachment, Post


@receiver(community_deleting, dispatch_uid="feeds.lock_a_deleted_communitys_posts")
def lock_a_deleted_communitys_posts(sender, community, **kwargs) -> list[str]:
    """The posts and attachments go with the community (the cascade); their files would stay
    in storage for ever, so their names are returned to be deleted after the commit.

    The rows are read locked, in the order the image worker locks them (a post, then its
    attachments; posts by id): a worker finishing an image commits first, and its new files
    are read here, or waits, finds the post gone and deletes its own files
    (apps/files/processing.py). Deleting attachments before posts, as the cascade does, with
    nothing locked first, could deadlock with it (tests/communities/test_delete_races.py)."""
    list(Post.objects.select_for_update().filter(community=community).order_by("pk").values_list("pk"))
    files = (
        Attachment.objects.select_for_update(of=("self",))
        .filter(post__community=community)
        .order_by("pk")
        .values_list("file", "thumbnail")
    )
    return [name for pair in files for name in pair]
