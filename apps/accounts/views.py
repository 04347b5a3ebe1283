from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.accounts import selectors
from apps.accounts.sso import sso_only


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


def _unless_sso_only(allauth_view):
    """allauth's password page, except for an account that signs in only through single
    sign-on: a password set there would outlive a disabling at the provider."""

    def view(request, *args, **kwargs):
        if sso_only(request.user):
            messages.info(request, _("Your account signs in through single sign-on: it has no password here."))
            return redirect("account_email")
        return allauth_view(request, *args, **kwargs)

    return view


password_change = _unless_sso_only(allauth_views.password_change)
password_set = _unless_sso_only(allauth_views.password_set)
