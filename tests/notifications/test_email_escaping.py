"""Every HTML e-mail escapes what people wrote exactly once: the text `<b>&"'` reaches the
reader as those five characters, never as `&amp;lt;b&amp;gt;` (escaped twice) nor as a bold
tag (not escaped). Each HTML e-mail template of the project is sent here through the code
that sends it in production, with that text wherever people's words go: a post or comment
excerpt, a message, a conversation's name, a person's name."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from apps.feeds.services import comment_create, post_create
from apps.messaging import emails as message_emails
from apps.messaging import services as messaging
from apps.messaging.models import Message
from apps.notifications import emails
from apps.notifications.models import Channel, Kind, Notification
from apps.notifications.services import preferences_set
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db

HOSTILE = "<b>&\"'"
ESCAPED_ONCE = "&lt;b&gt;&amp;&quot;&#x27;"


def _html(message) -> str:
    (html, mimetype), *_rest = message.alternatives
    assert mimetype == "text/html"
    return html


def _assert_escaped_once(message, *, times: int = 1) -> None:
    html = _html(message)
    assert html.count(ESCAPED_ONCE) >= times, html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html and "&amp;quot;" not in html, html
    assert "<b>" not in html, html
    # The plain-text part says the words as they were written.
    assert HOSTILE in message.body and "&lt;" not in message.body and "&amp;" not in message.body, message.body


def test_an_immediate_notification(anna, bob, public, run_facts):
    post_create(actor=anna, community=public, body=f"@bob.stone look {HOSTILE} here")
    run_facts()
    ids = list(Notification.objects.filter(recipient=bob, kind=Kind.MENTION).values_list("pk", flat=True))
    assert ids
    mail.outbox.clear()
    assert emails.send_immediate(ids) == 1
    _assert_escaped_once(mail.outbox[0])


def test_a_digest(anna, bob, private, run_facts):
    preferences_set(actor=anna, channels={Kind.COMMENT: Channel.DAILY})
    post = post_create(actor=anna, community=private, body=f"first {HOSTILE}")
    comment_create(actor=bob, post=post, body=f"a comment {HOSTILE}")
    run_facts()
    mail.outbox.clear()
    assert emails.send_digests(channel=Channel.DAILY) == 1
    _assert_escaped_once(mail.outbox[0])


def test_the_unread_messages_email(settings):
    settings.MESSAGING_EMAIL_DELAY_MINUTES = 1
    sender = person("Ada", "Quote", "ada.quote@example.com")
    sender.first_name = f"Ada{HOSTILE}"
    sender.save()
    sender.profile.display_name = f"Ada{HOSTILE}"
    sender.profile.save()
    reader = person("Ben", "Reader", "ben.reader@example.com")
    third = person("Cy", "Third", "cy.third@example.com")
    group = messaging.conversation_group_create(actor=sender, name=f"Plans {HOSTILE}", people=[reader, third])
    message, _ = messaging.message_send(actor=sender, conversation=group, body=f"Look {HOSTILE} here")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    mail.outbox.clear()
    assert message_emails.send_unread() == 2
    for sent in mail.outbox:
        # The conversation's name, the sender's name and the message: three times.
        _assert_escaped_once(sent, times=3)


def test_the_invitation(settings):
    from apps.accounts.services import invitation_create, invitation_send

    inviter = person("Ivy", "Admin", "ivy.admin@example.com")
    inviter.first_name, inviter.is_staff, inviter.is_superuser = f"Ivy{HOSTILE}", True, True
    inviter.save()
    invitation = invitation_create(actor=inviter, email="newcomer@example.com")
    mail.outbox.clear()
    assert invitation_send(invitation=invitation)
    _assert_escaped_once(mail.outbox[0])


def test_the_password_set_by_an_administrator_notice():
    from apps.accounts.password_notice import password_set_mail_send

    owner = person("Olga", "Owner", "olga.owner@example.com")
    owner.first_name = f"Olga{HOSTILE}"
    owner.save()
    mail.outbox.clear()
    assert password_set_mail_send(user_id=owner.pk, actor=f"Ivy{HOSTILE}", when=timezone.now())
    # The person's name and the administrator's.
    _assert_escaped_once(mail.outbox[0], times=2)


def test_the_address_changed_by_an_administrator_notice():
    from apps.accounts.address_notice import address_change_mail_send

    owner = person("Olga", "Owner", "olga.owner@example.com")
    owner.first_name = f"Olga{HOSTILE}"
    owner.save()
    mail.outbox.clear()
    assert address_change_mail_send(
        user_id=owner.pk, actor=f"Ivy{HOSTILE}", removed="olga.owner@example.com", added="ivy@example.com",
        when=timezone.now(),
    )  # fmt: skip
    # The person's name and the administrator's.
    _assert_escaped_once(mail.outbox[0], times=2)


COVERED = {
    "notifications/email/notification.html",  # the first three tests
    "accounts/email/invitation.html",
    "accounts/email/password_set_by_admin.html",
    "accounts/email/address_changed_by_admin.html",
}


def test_every_html_email_template_is_covered_here():
    """A new HTML e-mail gets its case above: escaping is checked for each one."""
    root = Path(settings.BASE_DIR) / "templates"
    found = {str(path.relative_to(root)) for path in root.glob("**/email/*.html")}
    assert found <= COVERED | OWNED_ELSEWHERE, f"HTML e-mails with no escaping test: {sorted(found - COVERED)}"


# Tested where they are sent (see the tests named).
OWNED_ELSEWHERE: set[str] = set()


def test_the_notifications_page_escapes_the_excerpt_once(client, anna, bob, public, run_facts):
    """The same excerpt in the app: the page escapes it once too."""
    post_create(actor=anna, community=public, body=f"@bob.stone look {HOSTILE} here")
    run_facts()
    client.force_login(bob)
    page = client.get("/notifications/").content.decode()
    assert f"look {ESCAPED_ONCE} here" in page
    assert "&amp;lt;" not in page
