from apps.accounts import services
from apps.accounts.models import Invitation
from config.celery import app


@app.task(name="accounts.send_invitation", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(invitation_id: int) -> bool:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    return services.invitation_send(invitation=invitation)


send_invitation_task = send_invitation


@app.task(name="accounts.send_unsent_invitations")
def send_unsent_invitations() -> int:
    return services.invitation_send_unsent()


send_unsent_invitations_task = send_unsent_invitations
