"""Direct messaging: conversations between colleagues, their participants and messages.

A conversation is read by its active participants only (`visible_to`): someone who left or
was removed reads nothing of it any more, and a site administrator is no exception.

Of a group's messages, each participant reads those of the periods they took part in
(`ParticipationPeriod`): someone added back never reads what was sent while they were away,
and someone new reads the history chosen by whoever added them (`SharedHistory`), of what that
person reads themselves (nobody hands on a gap of theirs). Who reads a message is decided here
only: `MessageQuerySet.visible_to` for one person, and `READABLE_SQL`, the same rule, for the
reads that count over many people at once (unread counts, e-mails); `SEEN_SQL` places read
receipts on messages that two people both read."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import AttachedFile, TimeStampedModel
from apps.core.reactions import ReactionKind


class ConversationKind(models.TextChoices):
    DIRECT = "direct", _("One-to-one")
    GROUP = "group", _("Group")


class WhoManages(models.TextChoices):
    ANYONE = "anyone", _("Any participant")
    CREATOR = "creator", _("Only the creator")


def _taking_part(user):
    # A set of conversation ids (not a probe per row): a search over one person's messages
    # reads their conversations' messages, not every message of the company.
    return Participant.objects.filter(user_id=user.pk, left_at__isnull=True).values("conversation_id")


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(pk__in=_taking_part(user))


class Conversation(TimeStampedModel):
    kind = models.CharField(max_length=8, choices=ConversationKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    who_manages = models.CharField(
        _("who may add and remove participants"), max_length=8, choices=WhoManages.choices, default=WhoManages.ANYONE
    )
    # One one-to-one conversation per pair: "<smaller user id>:<larger user id>".
    pair_key = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True)

    objects = ConversationQuerySet.as_manager()

    def __str__(self):
        return f"conversation #{self.pk}"

    @property
    def is_direct(self) -> bool:
        return self.kind == ConversationKind.DIRECT


class SharedHistory(models.TextChoices):
    """What someone added to a group reads of the messages sent before they came (at most
    what whoever adds them reads)."""

    NONE = "none", _("No earlier messages")
    DAYS = "days", _("The messages of recent days")
    ALL = "all", _("All earlier messages")


HISTORY_DAYS_MAX = 365


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    # Everything up to this message id is read: unread counts start after it, and "seen by"
    # is worked out from it. A mark, not always a message they read: someone added starts at
    # the conversation's last message, which may be in their gap or in history not given to
    # them (counts then skip those at once). What is shown is always a message they read
    # (SEEN_SQL, `conversation_read`), never the mark itself.
    last_read_id = models.BigIntegerField(default=0)
    muted = models.BooleanField(default=False)
    # The newest message an e-mail has told them about.
    emailed_through_id = models.BigIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="participant_once")]
        indexes = [
            models.Index(fields=["user", "conversation"], name="participant_active_idx", condition=Q(left_at=None))
        ]

    def __str__(self):
        return f"#{self.user_id} in #{self.conversation_id}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class ParticipationPeriod(models.Model):
    """A stretch of a conversation's messages that a participant reads: ids from
    `first_message_id` to `last_message_id` (inclusive; None while they are still in it).
    Ids, not times: messages and changes of participants are written in turn, under the
    conversation's lock, so an id tells exactly whether a message came before or after."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="periods")
    first_message_id = models.BigIntegerField(default=0)
    last_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["participant", "first_message_id"], name="participation_period_idx")]

    def __str__(self):
        return f"#{self.participant_id} reads {self.first_message_id}..{self.last_message_id or ''}"


# The rule of `MessageQuerySet.visible_to` in SQL, over a message row `m` and a participant
# row `p` (active: `p.left_at IS NULL`, which the queries using it check themselves).
READABLE_SQL = """EXISTS (
    SELECT 1 FROM messaging_participationperiod r
    WHERE r.participant_id = p.id AND m.id >= r.first_message_id
      AND (r.last_message_id IS NULL OR m.id <= r.last_message_id)
)"""


# Where "seen by" someone shows for someone else: the newest text message up to a position,
# sent by someone other than the reader, that both read (the rule of READABLE_SQL for the
# two of them). Period by period: for each pair of their periods that overlap, the newest
# such message of the overlap, found from the index by its id range, so a gap of either is
# skipped, not walked through. The fragments, over a participant row `messaging_participant`:
# {reader_periods} and {other_periods} choose the periods of `r` and `o`, {reader_user} and
# {up_to} are values (SQL of the code; the values are parameters).
SEEN_SQL = """(
    SELECT max(found.id)
    FROM messaging_participationperiod r
    JOIN messaging_participationperiod o ON {other_periods}
    CROSS JOIN LATERAL (
        SELECT m.id FROM messaging_message m
        WHERE m.conversation_id = "messaging_participant"."conversation_id" AND m.kind = 'text'
          AND m.sender_id <> {reader_user}
          AND m.id >= GREATEST(r.first_message_id, o.first_message_id)
          AND m.id <= LEAST(r.last_message_id, o.last_message_id, {up_to})
        ORDER BY m.id DESC LIMIT 1
    ) found
    WHERE {reader_periods}
)"""


class MessageKind(models.TextChoices):
    TEXT = "text", _("Message")
    # What happened to the conversation, told in its history ("Anna added Ben").
    EVENT = "event", _("Event")


def _holding(message_id) -> Q:
    """Periods that hold the message `message_id` (a value, or a reference to a row)."""
    return Q(first_message_id__lte=message_id) & (Q(last_message_id__isnull=True) | Q(last_message_id__gte=message_id))


def period_holds(message_id) -> Exists:
    """On participant rows: one of the participant's periods holds `message_id`."""
    return Exists(ParticipationPeriod.objects.filter(_holding(message_id), participant=OuterRef("pk")))


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        # The conversations first (a set of ids the planner narrows by), then the periods.
        return self.filter(conversation_id__in=_taking_part(user)).filter(
            Exists(
                ParticipationPeriod.objects.filter(
                    _holding(OuterRef("pk")),
                    participant__user_id=user.pk,
                    participant__left_at__isnull=True,
                    participant__conversation_id=OuterRef("conversation_id"),
                )
            )
        )


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.TEXT)
    # Made by the sender's browser: the same send retried (a double click, a lost answer)
    # finds the message it made the first time.
    client_id = models.UUIDField(null=True, blank=True)
    body = models.TextField(_("message"), blank=True, max_length=10000)
    body_html = models.TextField(blank=True, editable=False)
    # An event's details: {"event": "added", "users": [ids]}, {"event": "renamed", "name": ...}
    data = models.JSONField(default=dict, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    reply_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reaction_counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Any change a reader sees (an edit, a deletion, reactions): a page that was disconnected
    # asks for the messages changed since then.
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"], condition=Q(client_id__isnull=False), name="message_client_once"
            )
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="message_conversation_idx")]

    def __str__(self):
        return f"message #{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_event(self) -> bool:
        return self.kind == MessageKind.EVENT


class MessageAttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(message__in=Message.objects.visible_to(user), message__deleted_at__isnull=True)


class MessageAttachment(AttachedFile):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")

    objects = MessageAttachmentQuerySet.as_manager()

    class Meta(AttachedFile.Meta):
        indexes = [
            models.Index(fields=["message", "position"], name="message_attachment_idx"),
            # What the sweep looks for: images still waiting for the worker.
            models.Index(fields=["claimed_until"], condition=Q(state="pending"), name="message_attachment_pending_idx"),
        ]


class MessageReaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="message_reaction_once")]

    def __str__(self):
        return f"{self.kind} on #{self.message_id}"
