from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import selectors

# The account's own limit (AbstractUser.first_name and last_name are 150 characters).
NAME_MAX_LENGTH = 150


class SignupForm(AllauthSignupForm):
    """Sign-up is for company addresses, or for the address an invitation went to. Everyone
    gives their first and last name: colleagues find them by it in the directory, and it is
    what their posts are signed with (not "new.hire@example.com")."""

    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=NAME_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "autofocus": True}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=NAME_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def _clean_name(self, field: str) -> str:
        # Stripped by the field (a name of spaces is missing); spaces inside become one.
        return " ".join(self.cleaned_data[field].split())

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

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
