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


def account_addresses(user) -> list[str]:
    """Every address the person has: the account's and each allauth address, once each
    (whatever their case), the account's first. A notice about the account's security goes
    to all of them: an administrator who changed one cannot keep it from the others."""
    from allauth.account.models import EmailAddress

    addresses, seen = [], set()
    rows = EmailAddress.objects.filter(user_id=user.pk).order_by("-primary", "pk").values_list("email", flat=True)
    for address in [user.email, *rows]:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    return addresses
