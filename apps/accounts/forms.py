from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts import selectors


class SignupForm(AllauthSignupForm):
    """Sign-up is for company addresses, or for the address an invitation went to."""

    def clean_email(self):
        email = super().clean_email().strip().lower()
        request = context.request
        invitation = selectors.invitation_from_session(request=request) if request else None
        if invitation:
            if email != invitation.email.lower():
                raise ValidationError(
                    _("Please sign up with the address the invitation was sent to: %(email)s.")
                    % {"email": invitation.email}
                )
            return email
        if not selectors.signup_domain_allowed(email=email, allowed_domains=settings.ALLOWED_SIGNUP_DOMAINS):
            raise ValidationError(_("Sign-up is open only to company e-mail addresses."))
        return email
