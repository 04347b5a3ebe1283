"""Who may sign up: people whose e-mail domain is allowed, or who hold an invitation."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts import selectors, services


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        if selectors.invitation_from_session(request=request):
            return True
        return bool(settings.ALLOWED_SIGNUP_DOMAINS)

    def clean_email(self, email):
        email = super().clean_email(email).strip().lower()
        request = getattr(self, "request", None)
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

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        invitation = selectors.invitation_from_session(request=request)
        if invitation and commit:
            services.invitation_accept(invitation=invitation, user=user)
            request.session.pop(selectors.SESSION_INVITATION_KEY, None)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # The company's identity provider vouches for its employees.
        return settings.SSO_ALLOW_SIGNUP
