"""Every path that changes how a person signs in ends their other sessions and closes those
sessions' sockets at once, over the real ASGI application and Redis: a socket opened
before the change must not go on receiving their direct messages.

The paths: changing one's password, resetting it by e-mail, an administrator setting it
(written to the audit log and e-mailed to the person), two-factor authentication turned
off, and any code that saves a new password hash (the hooks are on the models)."""

import re
import uuid
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import mail
from django.test import Client

from apps.accounts.sessions import SessionStore
from apps.messaging import services as messaging
from apps.moderation.models import AuditLogEntry
from tests.factories import PASSWORD, UserFactory
from tests.messaging.conftest import person
from tests.realtime.sockets import ORIGIN, connect

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-brand-new-passphrase-2024"
CLOSED = {"type": "websocket.close", "code": 4401}
Session = SessionStore.get_model_class()


def _signed_in(user) -> Client:
    """A browser signed in as `user`: a session of its own."""
    client = Client()
    client.force_login(user)
    return client


def _key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _socket(client: Client):
    cookie = f"{settings.SESSION_COOKIE_NAME}={_key(client)}".encode()
    communicator, connected, _ = await connect([(b"origin", ORIGIN), (b"cookie", cookie)])
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def _closed(socket) -> bool:
    output = await socket.receive_output(timeout=5)
    await socket.disconnect()
    return output == CLOSED


async def _hears_direct_message(socket, user) -> bool:
    """A direct message to `user`, with its full text, reaches this socket."""
    text = f"Only for you {uuid.uuid4().hex[:6]}"

    def send():
        sender = person("Sami Roux")
        direct = messaging.conversation_direct_open(actor=sender, other=user)
        messaging.message_send(actor=sender, conversation=direct, body=text, client_id=str(uuid.uuid4()))

    await sync_to_async(send)()
    event = await socket.receive_json_from(timeout=5)
    return event["type"] == "message.new" and text in event["html"]


def _exists(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def _signed_in_page(client: Client) -> bool:
    return client.get("/").status_code == 200


async def test_changing_ones_password_ends_the_other_sessions_and_keeps_the_current_one():
    user = await sync_to_async(UserFactory)()
    here, elsewhere = await sync_to_async(_signed_in)(user), await sync_to_async(_signed_in)(user)
    here_socket, elsewhere_socket = await _socket(here), await _socket(elsewhere)
    elsewhere_key = _key(elsewhere)

    response = await sync_to_async(here.post)(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    assert await _closed(elsewhere_socket)
    assert not await sync_to_async(_exists)(elsewhere_key)
    assert not await sync_to_async(_signed_in_page)(elsewhere)
    # The session that made the change stays signed in, its socket open and hearing.
    assert await sync_to_async(_signed_in_page)(here)
    assert await _hears_direct_message(here_socket, user)
    # It followed its session to the key the change gave it: signing out closes it.
    await sync_to_async(here.post)("/accounts/logout/")
    assert await _closed(here_socket)


async def test_resetting_the_password_by_email_ends_every_session():
    user = await sync_to_async(UserFactory)()
    first, second = await sync_to_async(_signed_in)(user), await sync_to_async(_signed_in)(user)
    first_socket, second_socket = await _socket(first), await _socket(second)

    def reset():
        visitor = Client()
        visitor.post("/accounts/password/reset/", {"email": user.email})
        link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body).group(0)
        # allauth moves the key from the address to the session, then shows the form.
        form = visitor.get(urlsplit(link).path, follow=True)
        assert form.status_code == 200 and form.redirect_chain
        response = visitor.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 302, response.content

    await sync_to_async(reset)()
    assert await _closed(first_socket)
    assert await _closed(second_socket)
    assert not await sync_to_async(_signed_in_page)(first)
    assert not await sync_to_async(_signed_in_page)(second)


async def test_an_admin_setting_a_password_ends_every_session_is_audited_and_emailed():
    user = await sync_to_async(UserFactory)(first_name="Lea", last_name="Petit")
    admin = await sync_to_async(UserFactory)(is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
    browser = await sync_to_async(_signed_in)(user)
    socket = await _socket(browser)
    admin_browser = await sync_to_async(_signed_in)(admin)
    admin_socket = await _socket(admin_browser)
    mail.outbox.clear()

    response = await sync_to_async(admin_browser.post)(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response["Location"] == f"/admin/accounts/user/{user.pk}/change/"

    assert await _closed(socket)
    assert not await sync_to_async(_signed_in_page)(browser)
    assert await sync_to_async(_signed_in_page)(admin_browser)
    assert await _hears_direct_message(admin_socket, admin)

    entry = await sync_to_async(AuditLogEntry.objects.get)(action="user.password_set")
    assert (entry.actor_id, entry.target_id) == (admin.pk, str(user.pk))
    assert entry.before == {"password_usable": True}
    assert entry.after == {"password_usable": True, "sessions_ended": 1}
    new_hash = (await sync_to_async(type(user).objects.get)(pk=user.pk)).password
    assert NEW_PASSWORD not in repr(entry.__dict__) and new_hash.split("$")[-1] not in repr(entry.__dict__)

    [message] = mail.outbox
    assert message.to == [user.email]
    assert "An administrator set a new password" in message.subject
    assert "Ada Admin <" in message.body and "set a new password for your account" in message.body
    html = message.alternatives[0][0]
    assert "Ada Admin &lt;" in html and "signed out everywhere" in html
    assert NEW_PASSWORD not in message.body + html


async def test_an_admin_turning_a_password_off_says_so():
    user = await sync_to_async(UserFactory)()
    admin = await sync_to_async(UserFactory)(is_staff=True, is_superuser=True)
    socket = await _socket(await sync_to_async(_signed_in)(user))
    admin_browser = await sync_to_async(_signed_in)(admin)
    mail.outbox.clear()

    response = await sync_to_async(admin_browser.post)(
        f"/admin/accounts/user/{user.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )
    assert response["Location"] == f"/admin/accounts/user/{user.pk}/change/"
    assert await _closed(socket)
    entry = await sync_to_async(AuditLogEntry.objects.get)(action="user.password_set")
    assert entry.after == {"password_usable": False, "sessions_ended": 1}
    [message] = mail.outbox
    assert "turned off" in message.subject and "turned off the password" in message.body


def _with_totp(user):
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)


async def test_turning_two_factor_authentication_off_ends_the_other_sessions():
    user = await sync_to_async(UserFactory)()
    await sync_to_async(_with_totp)(user)
    here, elsewhere = await sync_to_async(_signed_in)(user), await sync_to_async(_signed_in)(user)
    here_socket, elsewhere_socket = await _socket(here), await _socket(elsewhere)

    # allauth asks for the password again before a security change.
    response = await sync_to_async(here.post)("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    response = await sync_to_async(here.post)("/accounts/2fa/totp/deactivate/", {})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    assert not await sync_to_async(Authenticator.objects.filter(user=user).exists)()

    assert await _closed(elsewhere_socket)
    assert not await sync_to_async(_signed_in_page)(elsewhere)
    assert await sync_to_async(_signed_in_page)(here)
    assert await _hears_direct_message(here_socket, user)


async def test_an_authenticator_deleted_outside_a_request_ends_every_session():
    """The Django admin, the shell: the hook is on the model."""
    user = await sync_to_async(UserFactory)()
    await sync_to_async(_with_totp)(user)
    socket = await _socket(await sync_to_async(_signed_in)(user))
    # Recovery codes alone are no second factor; they stay, and the sessions with them.
    await sync_to_async(Authenticator.objects.filter(user=user, type="totp").delete)()
    assert await _closed(socket)


async def test_recovery_codes_regenerated_end_nothing():
    user = await sync_to_async(UserFactory)()
    await sync_to_async(_with_totp)(user)
    socket = await _socket(await sync_to_async(_signed_in)(user))
    await sync_to_async(Authenticator.objects.filter(user=user, type="recovery_codes").delete)()
    assert await _hears_direct_message(socket, user)
    await socket.disconnect()


async def test_a_password_saved_by_any_code_ends_every_session():
    """A management command, a shell: no request, so no session is kept (and the change is
    audited and e-mailed as the system's: tests/accounts/test_password_notice.py)."""
    user = await sync_to_async(UserFactory)()
    first, second = await sync_to_async(_signed_in)(user), await sync_to_async(_signed_in)(user)
    first_socket, second_socket = await _socket(first), await _socket(second)

    def change():
        user.set_password(NEW_PASSWORD)
        user.save()

    await sync_to_async(change)()
    assert await _closed(first_socket)
    assert await _closed(second_socket)
    assert not await sync_to_async(Session.objects.filter(user_id=user.pk).exists)()
    entry = await sync_to_async(AuditLogEntry.objects.get)(action="user.password_set")
    assert (entry.actor_id, entry.after) == (None, {"password_usable": True, "sessions_ended": 2})


async def test_a_save_that_keeps_the_password_ends_nothing():
    user = await sync_to_async(UserFactory)()
    socket = await _socket(await sync_to_async(_signed_in)(user))

    def saves():
        user.first_name = "Renamed"
        user.save()
        user.save(update_fields=["last_login"])
        loaded = type(user).objects.only("pk", "first_name").get(pk=user.pk)
        loaded.first_name = "Again"
        loaded.save()

    await sync_to_async(saves)()
    assert await _hears_direct_message(socket, user)
    await socket.disconnect()


async def test_an_unusable_password_replaced_by_another_is_no_change():
    """set_unusable_password writes a new random hash each time (single sign-on removes a
    local password at each sign-in if there is one): only the first one ends the sessions."""
    user = await sync_to_async(UserFactory)()

    def unusable():
        user.set_unusable_password()
        user.save(update_fields=["password"])

    await sync_to_async(unusable)()
    socket = await _socket(await sync_to_async(_signed_in)(user))
    await sync_to_async(unusable)()
    assert await _hears_direct_message(socket, user)
    await socket.disconnect()
