"""What employees post: posts of several kinds, comments, reactions, attachments,
mentions, hashtags, polls, praise, bookmarks, and the history of edits.

Who may read a post is decided once, by `PostQuerySet.visible_to`: a post in a community
is readable by whoever may read the community's content (`Community.content_visible_to`:
in a private one, its active members); a company-wide post by every active employee;
a deleted post by nobody, except through `include_deleted` for the moderation views, which
check the moderator's rights themselves. Everything that hangs off a post (comments,
reactions, attachments, votes, praise) is readable exactly when its post is."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.communities.models import Community
from apps.core.models import AttachedFile, TimeStampedModel
from apps.core.reactions import ReactionKind


class Kind(models.TextChoices):
    POST = "post", pgettext_lazy("post kind", "Post")
    POLL = "poll", pgettext_lazy("post kind", "Poll")
    QUESTION = "question", pgettext_lazy("post kind", "Question")
    PRAISE = "praise", pgettext_lazy("post kind", "Praise")
    ANNOUNCEMENT = "announcement", pgettext_lazy("post kind", "Announcement")
    SHARE = "share", pgettext_lazy("post kind", "Share")


class Badge(models.TextChoices):
    THANKS = "thanks", _("Thank you")
    TEAM_PLAYER = "team_player", _("Team player")
    ABOVE_AND_BEYOND = "above_and_beyond", _("Above and beyond")
    INNOVATOR = "innovator", _("Innovator")
    MENTOR = "mentor", _("Mentor")
    CUSTOMER_HERO = "customer_hero", _("Customer hero")


BADGE_ICONS = {
    Badge.THANKS: "🙏",
    Badge.TEAM_PLAYER: "🤝",
    Badge.ABOVE_AND_BEYOND: "🚀",
    Badge.INNOVATOR: "💡",
    Badge.MENTOR: "🧭",
    Badge.CUSTOMER_HERO: "🏆",
}


def readable_post_q(user, prefix: str = "") -> Q:
    """The audience rule of posts, as a Q over `prefix` + post fields. Only the QuerySets
    of this module use it; everything else goes through their `visible_to`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return Q(**{f"{prefix}deleted_at__isnull": True}) & (
        Q(**{f"{prefix}community__isnull": True})
        | Q(**{f"{prefix}community__in": Community.objects.content_visible_to(user).values("pk")})
    )


class PostQuerySet(models.QuerySet):
    def visible_to(self, user, *, include_deleted: bool = False):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if include_deleted:
            return self.filter(Q(community__isnull=True) | Q(community__in=Community.objects.content_visible_to(user)))
        return self.filter(readable_post_q(user))

    def readers(self, post_id: int, user_ids) -> set[int]:
        """Of `user_ids`, those for whom the post is in `visible_to`, in a constant number
        of queries (the audience rule above, read the other way round; tested to agree)."""
        from django.contrib.auth import get_user_model

        post = self.filter(pk=post_id, deleted_at__isnull=True).only("community_id").first()
        if post is None:
            return set()
        if post.community_id is None:
            return set(
                get_user_model().objects.filter(pk__in=list(user_ids), is_active=True).values_list("pk", flat=True)
            )
        return Community.objects.content_readers(post.community_id, user_ids)


class Post(TimeStampedModel):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    # None: the company-wide stream, posted from one's profile.
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="posts", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.POST)
    body = models.TextField(_("message"), blank=True, max_length=20000)
    body_html = models.TextField(blank=True, editable=False)
    shared_post = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="shares", verbose_name=_("shared post")
    )
    badge = models.CharField(_("badge"), max_length=24, choices=Badge.choices, blank=True)
    poll_multiple = models.BooleanField(_("several answers allowed"), default=False)
    poll_closes_at = models.DateTimeField(_("poll closes"), null=True, blank=True)
    best_answer = models.ForeignKey(
        "feeds.Comment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("best answer"),
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept by the services, recomputed from the rows under the post's lock (never drift).
    comment_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="post_recent_idx", condition=Q(deleted_at__isnull=True)),
            models.Index(
                fields=["community", "-created_at", "-id"],
                name="post_community_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["author", "-created_at", "-id"], name="post_author_idx", condition=Q(deleted_at__isnull=True)
            ),
            models.Index(
                fields=["community", "-pinned_at"], name="post_pinned_idx", condition=Q(pinned_at__isnull=False)
            ),
            # The moderators' "Deleted posts": every other index leaves deleted posts out.
            models.Index(
                fields=["community", "-deleted_at", "-id"],
                name="post_deleted_idx",
                condition=Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def reaction_total(self) -> int:
        return sum(self.reaction_counts.values())


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(deleted_at__isnull=True).filter(readable_post_q(user, "post__"))


class Comment(TimeStampedModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(_("comment"), max_length=10000)
    body_html = models.TextField(blank=True, editable=False)
    reaction_counts = models.JSONField(default=dict, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["post", "created_at", "id"], name="comment_post_idx")]

    def __str__(self):
        return f"Comment #{self.pk} on post #{self.post_id}"

    @property
    def reaction_total(self) -> int:
        return sum(self.reaction_counts.values())


class ReactionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            (Q(post__isnull=False) & readable_post_q(user, "post__"))
            | (Q(comment__isnull=False, comment__deleted_at__isnull=True) & readable_post_q(user, "comment__post__"))
        )


class Reaction(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions")
    kind = models.CharField(max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReactionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True) | Q(post__isnull=True, comment__isnull=False),
                name="reaction_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="reaction_post_once"
            ),
            models.UniqueConstraint(
                fields=["user", "comment"], condition=Q(comment__isnull=False), name="reaction_comment_once"
            ),
        ]
        indexes = [
            models.Index(fields=["post", "kind"], name="reaction_post_idx"),
            models.Index(fields=["comment", "kind"], name="reaction_comment_idx"),
        ]

    def __str__(self):
        return f"{self.kind} by #{self.user_id}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(readable_post_q(user, "post__"))


class Attachment(AttachedFile):
    """A file attached to a post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta(AttachedFile.Meta):
        indexes = [
            models.Index(fields=["post", "position"], name="attachment_post_idx"),
            # What the sweep looks for: images still waiting for the worker.
            models.Index(fields=["claimed_until"], condition=Q(state="pending"), name="attachment_pending_idx"),
        ]


class Mention(models.Model):
    """Someone mentioned in a post or comment who may read it (nobody else is recorded)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "user"], condition=Q(comment__isnull=True), name="mention_post_once"
            ),
            models.UniqueConstraint(
                fields=["comment", "user"], condition=Q(comment__isnull=False), name="mention_comment_once"
            ),
        ]

    def __str__(self):
        return f"@#{self.user_id} in post #{self.post_id}"


class Hashtag(models.Model):
    name = models.CharField(max_length=60, unique=True)  # folded: what links and searches use
    display = models.CharField(max_length=60)  # the name again: a spelling is its post's (hashtag_spelling)
    posts = models.ManyToManyField(Post, through="PostHashtag", related_name="hashtags")

    def __str__(self):
        return f"#{self.name}"


class PostHashtag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hashtag", "post"], name="post_hashtag_once")]
        indexes = [models.Index(fields=["post"], name="post_hashtag_post_idx")]

    def __str__(self):
        return f"#{self.hashtag_id} on post #{self.post_id}"


class HashtagFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hashtag_follows")
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "hashtag"], name="hashtag_follow_once")]

    def __str__(self):
        return f"#{self.user_id} follows #{self.hashtag_id}"


class PollOption(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="poll_options")
    label = models.CharField(_("option"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class PollVote(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="poll_votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["option", "user"], name="poll_vote_once")]
        indexes = [models.Index(fields=["post", "user"], name="poll_vote_post_user_idx")]

    def __str__(self):
        return f"#{self.user_id} voted #{self.option_id}"


class PraiseRecipient(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="praise_recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="praise_received")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="praise_recipient_once")]
        indexes = [models.Index(fields=["user", "post"], name="praise_user_idx")]

    def __str__(self):
        return f"#{self.user_id} praised in post #{self.post_id}"


class Bookmark(models.Model):
    """Private to its owner: nobody else ever reads another's bookmarks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="bookmark_once")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="bookmark_user_idx")]

    def __str__(self):
        return f"#{self.user_id} saved post #{self.post_id}"


class PostRevision(models.Model):
    """The body a post had before an edit; moderators and the author read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"revision of post #{self.post_id}"
