from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.accounts import selectors


@login_not_required
def invitation_accept(request, key):
    invitation = selectors.invitation_get_pending(key=key)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, _("You are already signed in."))
        return redirect("home")
    request.session[selectors.SESSION_INVITATION_KEY] = invitation.key
    # The link came to that mailbox: signing up with that address needs no second check.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect("account_signup")
