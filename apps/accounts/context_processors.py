from allauth.account.adapter import get_adapter


def signup(request):
    """SIGNUP_OPEN: whether this visitor may sign up (an allowed domain, or an invitation in
    the session), so that no page links to a sign-up that would only say it is closed.
    A callable: only the pages that ask pay for the answer."""
    return {"SIGNUP_OPEN": lambda: get_adapter(request).is_open_for_signup(request)}
