from allauth.account.adapter import get_adapter

from apps.accounts.sso import sso_only


def signup(request):
    """SIGNUP_OPEN: whether this visitor may sign up (an allowed domain, or an invitation in
    the session), so that no page links to a sign-up that would only say it is closed.
    HAS_LOCAL_PASSWORD: false for an account that signs in only through single sign-on, so
    that no page links to a password page it may not use. Callables: only the pages that
    ask pay for the answer."""
    return {
        "SIGNUP_OPEN": lambda: get_adapter(request).is_open_for_signup(request),
        "HAS_LOCAL_PASSWORD": lambda: not sso_only(request.user),
    }
