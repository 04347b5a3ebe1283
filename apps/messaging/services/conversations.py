"""Writes of conversations: open a one-to-one, start a group, add and remove people, leave,
rename, mute, read. Each checks what the actor may do, writes, and broadcasts on commit.

Who reads which messages of a group is written here, as participation periods (see
apps/messaging/models.py), while the conversation is locked: sends take the same lock, so the
last message id read under it splits the history exactly into before and after."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.messaging import events, selectors
from apps.messaging.models import (
    HISTORY_DAYS_MAX,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    Participant,
    ParticipationPeriod,
    SharedHistory,
    WhoManages,
)
from apps.profiles.selectors import display_name

NAME_MAX = 100


def _colleagues(actor, people) -> list:
    """The people named, once each, without the actor; all of them must be active."""
    chosen = {}
    for user in people:
        if user.pk != actor.pk:
            chosen[user.pk] = user
    if any(not user.is_active for user in chosen.values()):
        raise ValidationError(_("Only current colleagues can take part in a conversation."))
    return list(chosen.values())


def _names(users) -> list[str]:
    # Kept with the event: its sentence reads the same whatever becomes of the people.
    return [display_name(user) for user in users]


def _check_size(count: int) -> None:
    limit = settings.MESSAGING_GROUP_MAX_PARTICIPANTS
    if count > limit:
        raise ValidationError(
            ngettext(
                "A conversation has at most %(limit)d participant.",
                "A conversation has at most %(limit)d participants.",
                limit,
            )
            % {"limit": limit}
        )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the conversation a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("A name has at most %(max)d characters.") % {"max": NAME_MAX}})
    return name


def _event(conversation: Conversation, actor, **data) -> Message:
    """An event told in the conversation's history ("Anna added Ben"): shown live to its
    participants, never counted as unread nor e-mailed."""
    message = Message.objects.create(conversation=conversation, sender=actor, kind=MessageKind.EVENT, data=data)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    Participant.objects.filter(conversation=conversation, user=actor).update(
        last_read_id=Greatest("last_read_id", message.pk)
    )
    events.message_on_commit(message)
    return message


def _active(conversation: Conversation, user) -> Participant:
    participant = (
        Participant.objects.select_for_update()
        .filter(conversation=conversation, user_id=user.pk, left_at__isnull=True)
        .first()
    )
    if participant is None:
        raise PermissionDenied(_("You are not in this conversation."))
    return participant


def _may_manage(conversation: Conversation, actor) -> None:
    if not conversation.kind == ConversationKind.GROUP:
        raise PermissionDenied(_("A one-to-one conversation has no one to add or remove."))
    if conversation.who_manages == WhoManages.CREATOR and conversation.creator_id != actor.pk:
        raise PermissionDenied(_("Only the conversation's creator adds and removes participants."))


def _latest_id(conversation: Conversation) -> int:
    """The conversation's last message id (read under its lock: no message comes in between)."""
    return Message.objects.filter(conversation=conversation).aggregate(latest=Max("id"))["latest"] or 0


def _clean_history(history: str, days) -> tuple[str, int | None]:
    if history not in SharedHistory.values:
        raise ValidationError({"history": _("Choose how much of the conversation's history they read.")})
    if history != SharedHistory.DAYS:
        return history, None
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= HISTORY_DAYS_MAX:
        raise ValidationError({"days": _("Give a number of days from 1 to %(max)d.") % {"max": HISTORY_DAYS_MAX}})
    return history, days


def _history_start(conversation: Conversation, latest: int, history: str, days: int | None) -> int:
    """The first message id of the history chosen for a newcomer (before what the adder reads)."""
    if history == SharedHistory.ALL:
        return 0
    if history == SharedHistory.DAYS:
        # After the last message older than that: never one sent earlier, even if ids and
        # times disagree (a message written late in a long transaction).
        since = timezone.now() - timedelta(days=days)
        older = Message.objects.filter(conversation=conversation, created_at__lt=since).aggregate(last=Max("id"))
        return (older["last"] or 0) + 1
    return latest + 1


def _shared_history(adder: Participant, start: int, latest: int) -> list[tuple[int, int | None]]:
    """A newcomer's periods: of the history from `start` to `latest`, only what the adder
    reads (nobody hands on what they cannot read: a gap in the adder's history stays a gap),
    then everything from now on."""
    spans = []
    for period in adder.periods.order_by("first_message_id"):
        first = max(period.first_message_id, start)
        last = latest if period.last_message_id is None else min(period.last_message_id, latest)
        if first <= last:
            spans.append((first, last))
    periods: list[tuple[int, int | None]] = []
    for first, last in [*spans, (latest + 1, None)]:
        previous = periods[-1] if periods else None
        if previous is not None and previous[1] is not None and previous[1] + 1 >= first:
            # Touching (the next id) or overlapping: one period.
            periods[-1] = (previous[0], None if last is None else max(previous[1], last))
        else:
            periods.append((first, last))
    return periods


def _periods_open(participants, first_message_id: int) -> None:
    ParticipationPeriod.objects.bulk_create(
        [ParticipationPeriod(participant=p, first_message_id=first_message_id) for p in participants]
    )


def _periods_close(conversation: Conversation, user_ids) -> None:
    """The users stop reading the conversation's messages after the last one sent so far."""
    ParticipationPeriod.objects.filter(
        participant__conversation=conversation, participant__user_id__in=list(user_ids), last_message_id__isnull=True
    ).update(last_message_id=_latest_id(conversation))


def _join(conversation: Conversation, adder: Participant, users, *, history: str, days: int | None) -> list[int]:
    """Add or bring back `users`. Someone new reads the history chosen, as far as `adder`
    reads it; someone coming back reads again what they read before, and from now on: never
    what was sent while they were away, whatever was chosen. Both start as having read
    everything sent before (`last_read_id` is a mark, not a message they read: see the model)."""
    latest = _latest_id(conversation)
    now = timezone.now()
    existing = {p.user_id: p for p in Participant.objects.filter(conversation=conversation, user__in=users)}
    added, newcomers, returning = [], [], []
    for user in users:
        row = existing.get(user.pk)
        if row is None:
            newcomers.append(Participant.objects.create(conversation=conversation, user=user, last_read_id=latest))
        elif row.left_at is not None:
            row.left_at, row.joined_at, row.last_read_id = None, now, max(row.last_read_id, latest)
            row.save(update_fields=["left_at", "joined_at", "last_read_id"])
            returning.append(row)
        else:
            continue
        added.append(user.pk)
    if newcomers:
        shared = _shared_history(adder, _history_start(conversation, latest, history, days), latest)
        ParticipationPeriod.objects.bulk_create(
            [
                ParticipationPeriod(participant=row, first_message_id=first, last_message_id=last)
                for row in newcomers
                for first, last in shared
            ]
        )
    _periods_open(returning, latest + 1)
    return added


def conversation_direct_open(*, actor, other) -> Conversation:
    """The one conversation of the pair, made the first time; opening it brings it back
    for the actor if they had left it (the other person sees it again when a message comes)."""
    if other.pk == actor.pk:
        raise ValidationError(_("Choose a colleague other than yourself."))
    _colleagues(actor, [other])
    key = f"{min(actor.pk, other.pk)}:{max(actor.pk, other.pk)}"
    with transaction.atomic():
        conversation = Conversation.objects.filter(pair_key=key).first()
        if conversation is None:
            try:
                with transaction.atomic():
                    conversation = Conversation.objects.create(
                        kind=ConversationKind.DIRECT, pair_key=key, creator=actor
                    )
                    pair = Participant.objects.bulk_create(
                        [
                            Participant(conversation=conversation, user=actor),
                            Participant(conversation=conversation, user=other),
                        ]
                    )
                    # The two of them read it all, always: leaving a one-to-one only hides it.
                    _periods_open(pair, 0)
            except IntegrityError:  # both opened it at the same moment: one made it
                conversation = Conversation.objects.get(pair_key=key)
        Participant.objects.filter(conversation=conversation, user=actor).update(left_at=None)
    return conversation


def conversation_group_create(*, actor, name: str, people, who_manages: str = WhoManages.ANYONE) -> Conversation:
    colleagues = _colleagues(actor, people)
    if not colleagues:
        raise ValidationError({"people": _("Add at least one colleague.")})
    name = _clean_name(name)
    if who_manages not in WhoManages.values:
        raise ValidationError({"who_manages": _("Choose who may add and remove participants.")})
    _check_size(len(colleagues) + 1)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=ConversationKind.GROUP, name=name, creator=actor, who_manages=who_manages
        )
        participants = Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=user) for user in [actor, *colleagues]]
        )
        _periods_open(participants, 0)
        _event(
            conversation, actor, event="created", name=name, users=[u.pk for u in colleagues], names=_names(colleagues)
        )
    return conversation


def participants_add(
    *, actor, conversation: Conversation, people, history: str = SharedHistory.NONE, days: int | None = None
) -> list[int]:
    """Add colleagues to a group. `history`: what the newcomers read of the messages sent
    before (`days`: how many days back, for SharedHistory.DAYS)."""
    history, days = _clean_history(history, days)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        adder = _active(conversation, actor)
        _may_manage(conversation, actor)
        colleagues = _colleagues(actor, people)
        if not colleagues:
            raise ValidationError({"people": _("Add at least one colleague.")})
        current = set(selectors.active_participant_ids(conversation_id=conversation.pk))
        newcomers = [user for user in colleagues if user.pk not in current]
        _check_size(len(current) + len(newcomers))
        added = _join(conversation, adder, newcomers, history=history, days=days)
        if added:
            names = _names([user for user in newcomers if user.pk in added])
            _event(conversation, actor, event="added", users=added, names=names)
            events.changed_on_commit(
                conversation_id=conversation.pk,
                user_ids=selectors.active_participant_ids(conversation_id=conversation.pk),
            )
    return added


def participant_remove(*, actor, conversation: Conversation, user) -> None:
    if user.pk == actor.pk:
        raise ValidationError(_("To leave the conversation, use Leave."))
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _active(conversation, actor)
        _may_manage(conversation, actor)
        removed = Participant.objects.filter(conversation=conversation, user=user, left_at__isnull=True).update(
            left_at=timezone.now()
        )
        if not removed:
            raise ValidationError(_("This person is not in the conversation."))
        _periods_close(conversation, [user.pk])
        _event(conversation, actor, event="removed", users=[user.pk], names=_names([user]))
        events.changed_on_commit(
            conversation_id=conversation.pk,
            user_ids=selectors.active_participant_ids(conversation_id=conversation.pk),
            removed=[user.pk],
        )


def conversation_leave(*, actor, conversation: Conversation) -> None:
    """Anyone may leave. Leaving a one-to-one hides it until a message comes again; leaving
    a group is told to the others, and a group its creator alone managed is then managed by all."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        participant = _active(conversation, actor)
        participant.left_at = timezone.now()
        participant.save(update_fields=["left_at"])
        if conversation.kind == ConversationKind.GROUP:
            _periods_close(conversation, [actor.pk])
            if conversation.who_manages == WhoManages.CREATOR and conversation.creator_id == actor.pk:
                conversation.who_manages = WhoManages.ANYONE
                conversation.save(update_fields=["who_manages", "updated_at"])
            _event(conversation, actor, event="left")
        events.changed_on_commit(
            conversation_id=conversation.pk,
            user_ids=selectors.active_participant_ids(conversation_id=conversation.pk),
            removed=[actor.pk],
        )


def conversation_rename(*, actor, conversation: Conversation, name: str) -> Conversation:
    name = _clean_name(name)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _active(conversation, actor)
        _may_manage(conversation, actor)
        if name != conversation.name:
            conversation.name = name
            conversation.save(update_fields=["name", "updated_at"])
            _event(conversation, actor, event="renamed", name=name)
            events.changed_on_commit(
                conversation_id=conversation.pk,
                user_ids=selectors.active_participant_ids(conversation_id=conversation.pk),
            )
    return conversation


def conversation_who_manages_set(*, actor, conversation: Conversation, who_manages: str) -> Conversation:
    if who_manages not in WhoManages.values:
        raise ValidationError({"who_manages": _("Choose who may add and remove participants.")})
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _active(conversation, actor)
        if conversation.kind != ConversationKind.GROUP or conversation.creator_id != actor.pk:
            raise PermissionDenied(_("Only the conversation's creator decides this."))
        conversation.who_manages = who_manages
        conversation.save(update_fields=["who_manages", "updated_at"])
    return conversation


def conversation_mute(*, actor, conversation: Conversation, muted: bool) -> None:
    with transaction.atomic():
        participant = _active(conversation, actor)
        participant.muted = bool(muted)
        participant.save(update_fields=["muted"])
        unread = selectors.unread_total(viewer=actor)
        events.read_on_commit(
            conversation_id=conversation.pk, user_id=actor.pk, last_read_id=participant.last_read_id, unread=unread
        )


def conversation_read(*, actor, conversation: Conversation, message_id: int) -> int:
    """The actor has read up to `message_id` (a message of this conversation). Returns their
    last read message, which never moves back."""
    with transaction.atomic():
        participant = _active(conversation, actor)
        # Of the messages they read: a number sent from the page tells nothing of the others;
        # and the last they read is one of theirs, not the mark, which may lie in a gap.
        latest = (
            Message.objects.visible_to(actor)
            .filter(conversation=conversation, id__lte=max(message_id, participant.last_read_id))
            .aggregate(latest=Max("id"))["latest"]
            or 0
        )
        if latest <= participant.last_read_id:
            return latest
        participant.last_read_id = latest
        participant.save(update_fields=["last_read_id"])
        events.read_on_commit(
            conversation_id=conversation.pk,
            user_id=actor.pk,
            last_read_id=latest,
            unread=selectors.unread_total(viewer=actor),
        )
    return latest
