from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import Invitation
from apps.core.queue import enqueue_on_commit
from apps.moderation.services import audit_record


def invitation_clean_email(email: str) -> str:
    email = email.strip().lower()
    validate_email(email)
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError(_("%(email)s already has an account.") % {"email": email})
    return email


def invitation_create(*, actor, email: str) -> Invitation:
    if not actor.has_perm("accounts.add_invitation"):
        raise PermissionDenied(_("You may not invite people."))
    email = invitation_clean_email(email)
    with transaction.atomic():
        replaced = Invitation.objects.select_for_update().pending().filter(email__iexact=email)
        replaced_ids = list(replaced.values_list("pk", flat=True))
        replaced.update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            email=email,
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        # An invitation opens an account: who let whom in is in the audit log.
        audit_record(
            actor=actor,
            action="invitation.create",
            target=invitation,
            before={"replaced": replaced_ids} if replaced_ids else None,
            after={"email": email, "expires_at": invitation.expires_at},
        )
        enqueue_on_commit("accounts.send_invitation", invitation.pk)
    return invitation


def invitation_revoke(*, actor, invitation: Invitation) -> bool:
    """Its link stops working; False if it was no longer pending (accepted, revoked, expired)."""
    if not actor.has_perm("accounts.add_invitation"):  # whoever may invite may take one back
        raise PermissionDenied(_("You may not revoke invitations."))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not Invitation.objects.pending().filter(pk=invitation.pk).exists():
            return False
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="invitation.revoke",
            target=invitation,
            before={"email": invitation.email, "revoked_at": None},
            after={"email": invitation.email, "revoked_at": invitation.revoked_at},
        )
    return True


def invitation_send(*, invitation: Invitation) -> bool:
    """E-mail the invitation link; does nothing if it went out already (tasks may run twice)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.sent_at or invitation.accepted_at or invitation.revoked_at:
            return False
        link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation.key])
        context = {"invitation": invitation, "link": link, "inviter": invitation.invited_by}
        with translation.override(settings.LANGUAGE_CODE):
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("You are invited to join Enterprise Social")
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("accounts/email/invitation.txt", context),
                to=[invitation.email],
            )
            message.attach_alternative(render_to_string("accounts/email/invitation.html", context), "text/html")
        message.send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at", "updated_at"])
    return True


def invitation_accept(*, invitation: Invitation, user) -> None:
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to another address."))
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(accepted_at=timezone.now())


def invitation_send_unsent(*, older_than_seconds: int = 60) -> int:
    """Send the invitations whose e-mail never left (the broker was down when they were made)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    sent = 0
    for invitation in Invitation.objects.pending().filter(sent_at__isnull=True, created_at__lt=cutoff):
        sent += invitation_send(invitation=invitation)
    return sent
