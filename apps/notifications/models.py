"""Notifications: what happened that concerns someone, how they want to hear about it.

Notifications consume facts (apps/facts): a post, a comment, an invitation records a `Fact`
in its own transaction, and this app, subscribed to those events (apps.py), processes each
one in its task (services.fact_process). Processing a fact records a `Receipt` per (event,
recipient) before anything else, so that a task run twice notifies nobody twice.
`Notification` rows are what people see; several unread ones about the same thing merge
("Anna and 4 others reacted")."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import TimeStampedModel


class Kind(models.TextChoices):
    MENTION = "mention", _("Mentions of me")
    COMMENT = "comment", _("Comments on my posts")
    REPLY = "reply", _("Replies to my comments")
    REACTION = "reaction", _("Reactions to my posts and comments")
    PRAISE = "praise", _("Praise I receive")
    INVITATION = "invitation", _("Invitations to communities")
    JOIN_REQUEST = "join_request", _("Requests to join communities I moderate")
    REQUEST_APPROVED = "request_approved", _("My requests approved")
    ANNOUNCEMENT = "announcement", _("Announcements in my communities")
    MESSAGE = "message", _("Direct messages")


class Channel(models.TextChoices):
    IN_APP = "in_app", pgettext_lazy("notification channel", "In the app only")
    IMMEDIATE = "immediate", pgettext_lazy("notification channel", "E-mail at once")
    DAILY = "daily", pgettext_lazy("notification channel", "Daily digest")
    WEEKLY = "weekly", pgettext_lazy("notification channel", "Weekly digest")
    OFF = "off", pgettext_lazy("notification channel", "Off")


# What someone hears about before choosing: the things addressed to them personally by
# e-mail at once, the rest in a digest or in the app only.
DEFAULT_CHANNELS: dict[str, str] = {
    Kind.MENTION: Channel.IMMEDIATE,
    Kind.COMMENT: Channel.DAILY,
    Kind.REPLY: Channel.DAILY,
    Kind.REACTION: Channel.IN_APP,
    Kind.PRAISE: Channel.IMMEDIATE,
    Kind.INVITATION: Channel.IMMEDIATE,
    Kind.JOIN_REQUEST: Channel.IMMEDIATE,
    Kind.REQUEST_APPROVED: Channel.IMMEDIATE,
    Kind.ANNOUNCEMENT: Channel.DAILY,
    Kind.MESSAGE: Channel.IMMEDIATE,
}
# Unread notifications of these kinds about the same thing become one.
MERGED_KINDS = frozenset({Kind.COMMENT, Kind.REPLY, Kind.REACTION})
DIGEST_CHANNELS = (Channel.DAILY, Channel.WEEKLY)


class Receipt(models.Model):
    """That `recipient` has been considered for `event_key`: the at-most-once guard."""

    event_key = models.CharField(max_length=80)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_key", "recipient"], name="receipt_once")]

    def __str__(self):
        return f"{self.event_key} → #{self.recipient_id}"


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """One's own notifications, and only those whose subject one may still read."""
        from apps.communities.models import Community
        from apps.feeds.models import Comment, Post

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        # Correlated probes, one per notification, not the set of every post one may read.
        return self.filter(recipient=user).filter(
            Q(post__isnull=True) | Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post_id"))),
            Q(comment__isnull=True) | Exists(Comment.objects.visible_to(user).filter(pk=OuterRef("comment_id"))),
            Q(community__isnull=True) | Exists(Community.objects.visible_to(user).filter(pk=OuterRef("community_id"))),
        )


class Notification(TimeStampedModel):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What it is about, for merging: "post:12", "comment:7", "community:3".
    target = models.CharField(max_length=40)
    post = models.ForeignKey("feeds.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.ForeignKey("feeds.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The people who did it, each once, the latest first.
    actor_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # How it is e-mailed, decided from the preference when it is made; and when it was.
    email = models.CharField(max_length=12, choices=Channel.choices, default=Channel.IN_APP)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # When what it tells happened (the latest of a merged one's events), from the fact: what
    # it shows. Not created_at/updated_at, which say when a worker processed the fact.
    # When the event happened (the fact's time), what the pages show. None for the rows made
    # before the column existed (shown at their updated_at): filling them in would rewrite
    # the whole table under a lock, on the largest table there is.
    occurred_at = models.DateTimeField(null=True, default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notification_list_idx"),
            models.Index(fields=["recipient"], name="notification_unread_idx", condition=Q(read_at__isnull=True)),
            models.Index(
                fields=["email", "recipient"],
                name="notification_unmailed_idx",
                condition=Q(emailed_at__isnull=True, read_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.kind} for #{self.recipient_id} ({self.target})"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Preference(models.Model):
    """A person's choice for one kind; kinds without a row use DEFAULT_CHANNELS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once")]

    def __str__(self):
        return f"{self.kind}: {self.channel}"


class EmailSettings(models.Model):
    """The language e-mails are written in (the one chosen in the app, last time)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)

    def __str__(self):
        return f"e-mail settings of #{self.user_id}"
