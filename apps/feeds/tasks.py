from django.utils import timezone

from apps.feeds.events import post_event
from apps.feeds.models import Attachment, Post
from apps.files import processing
from config.celery import app


def _announce(attachment: Attachment) -> None:
    # Ids only, to the post's audience: pages showing the post fetch its card again; and
    # the post changed, for the pages that were not listening (they ask what changed since).
    # Its shares show its images in their cards: they changed too, each for its own
    # audience (a reader the original is hidden from gets a card without it, as always).
    # Locked by id after the post, as a community's deletion locks its posts.
    now = timezone.now()
    Post.objects.filter(pk=attachment.post_id).update(updated_at=now)
    post_event(attachment.post, "post.updated")
    shares = list(
        Post.objects.select_for_update()
        .filter(shared_post_id=attachment.post_id, deleted_at__isnull=True)
        .order_by("pk")
        .only("pk", "community_id", "author_id")
    )
    if shares:
        Post.objects.filter(pk__in=[share.pk for share in shares]).update(updated_at=now)
    for share in shares:
        post_event(share, "post.updated")


@app.task(name="feeds.process_attachment")
def process_attachment(attachment_id: int) -> str:
    """Re-encode a post's image that was too large to decode during the request."""
    return processing.process_pending(Attachment, attachment_id, owner="post", announce=_announce)


process_attachment_task = process_attachment


@app.task(name="feeds.sweep_attachments")
def sweep_attachments() -> int:
    """Beat, every minute: posts' images whose task never ran (broker down) or died."""
    return processing.sweep_pending(Attachment, owner="post", announce=_announce)


sweep_attachments_task = sweep_attachments
