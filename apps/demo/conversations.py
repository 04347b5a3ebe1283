"""A few conversations of the demo company, through the messaging services: two one-to-ones
and a group, with a reply, a reaction and messages the CEO (the demo's employee login) has not
read yet. Seeded once: nothing is done if the group exists. The messages are then moved back
in time, and marked as already e-mailed (they belong in the app, not in everyone's inbox)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.demo.organisation_data import DEMO_DOMAIN
from apps.messaging import services
from apps.messaging.models import Conversation, Message, Participant

GROUP_NAME = "Q3 launch crew"
# (who, what); "@reply" quotes the previous message; the last messages of the list to the CEO stay unread.
DIRECT_CEO = [
    ("thomas.muller", "Hélène, the platform migration is on track for the 15th."),
    ("helene.lefevre", "Great news. Any risk I should know about before the board meeting?"),
    ("thomas.muller", "Only the **data export** for two customers; James is on it."),
    ("helene.lefevre", "Thanks. Keep me posted."),
]
DIRECT_UNREAD = [
    ("james.oconnor", "Hi Hélène, do you have five minutes today for the customer escalation?"),
    ("james.oconnor", "I have put the timeline in a short note, happy to walk you through it."),
]
GROUP = [
    ("thomas.muller", "Welcome to the launch crew! This is where we coordinate the Q3 release."),
    ("amelie.durand", "I have booked the go/no-go meeting for Thursday at 10:00."),
    ("chloe.bernard", "@reply The backend freeze is Monday; release notes draft is in the *Engineering* community."),
    ("james.oconnor", "Customer comms are ready: see the FAQ we published last week."),
    ("helene.lefevre", "Thank you all, this is a great plan. 🎉"),
]


def seed_conversations() -> dict | None:
    users = get_user_model().objects.filter(is_active=True, email__iendswith=f"@{DEMO_DOMAIN}")
    people = {user.email.split("@")[0].lower(): user for user in users}
    needed = {name for name, _ in DIRECT_CEO + DIRECT_UNREAD + GROUP}
    if Conversation.objects.filter(name=GROUP_NAME).exists() or not needed <= set(people):
        return None
    ceo = people["helene.lefevre"]
    with transaction.atomic():
        made = []
        with_thomas = services.conversation_direct_open(actor=ceo, other=people["thomas.muller"])
        made += _play(with_thomas, DIRECT_CEO, people)
        with_james = services.conversation_direct_open(actor=people["james.oconnor"], other=ceo)
        unread = _play(with_james, DIRECT_UNREAD, people)
        group = services.conversation_group_create(
            actor=people["thomas.muller"],
            name=GROUP_NAME,
            people=[people[name] for name in ("amelie.durand", "chloe.bernard", "james.oconnor", "helene.lefevre")],
        )
        played = _play(group, GROUP, people)
        services.message_react(actor=people["thomas.muller"], message=played[-1], kind="celebrate")
        services.message_react(actor=people["amelie.durand"], message=played[-1], kind="like")
        _backdate([with_thomas, with_james, group])
        for conversation in (with_thomas, group):
            for participant in Participant.objects.filter(conversation=conversation):
                services.conversation_read(
                    actor=participant.user, conversation=conversation, message_id=conversation.messages.latest("id").pk
                )
        seeded = [with_thomas, with_james, group]
        latest = Message.objects.filter(conversation__in=seeded).aggregate(latest=Max("id"))["latest"] or 0
        Participant.objects.filter(conversation__in=seeded).update(emailed_through_id=latest)
    return {"conversations": 3, "messages": len(made) + len(unread) + len(played)}


def _play(conversation, script, people) -> list[Message]:
    messages = []
    for name, body in script:
        reply_to = messages[-1].pk if body.startswith("@reply ") and messages else None
        message, _ = services.message_send(
            actor=people[name], conversation=conversation, body=body.removeprefix("@reply "), reply_to_id=reply_to
        )
        messages.append(message)
    return messages


def _backdate(conversations) -> None:
    """Spread each conversation over the last days, a few minutes between messages."""
    now = timezone.now()
    for days, conversation in zip((3, 0, 1), conversations, strict=True):
        messages = list(conversation.messages.order_by("id"))
        start = now - timedelta(days=days, hours=2)
        for index, message in enumerate(messages):
            Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(minutes=7 * index))
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=start + timedelta(minutes=7 * (len(messages) - 1))
        )
