from apps.accounts.models import Invitation

SESSION_INVITATION_KEY = "invitation_key"


def invitation_get_pending(*, key: str | None) -> Invitation | None:
    if not key:
        return None
    return Invitation.objects.pending().filter(key=key).first()


def invitation_from_session(*, request) -> Invitation | None:
    return invitation_get_pending(key=request.session.get(SESSION_INVITATION_KEY))


def signup_domain_allowed(*, email: str, allowed_domains: list[str]) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    return domain in allowed_domains
