"""Who may sign up: people whose e-mail domain is allowed, or who hold an invitation.
allauth's e-mails link to SITE_URL."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors, services
from apps.accounts.sso import sso_account_remove_password, sso_account_update, sso_only
from apps.core import branding
from apps.core.broadcast import disconnect_on_commit
from apps.profiles.services import profile_create_for
from apps.realtime.selectors import session_group


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # With SSO-only accounts, a failed password sign-in says where such accounts sign
        # in, to everyone alike: whether the address has an account, and whether a password
        # typed for an SSO-only account was its right one, stay unsaid.
        "email_password_mismatch_sso": _(
            "The email address and/or password you specified are not correct. An account that "
            "signs in through single sign-on has no password here: use the single sign-on button."
        ),
    }

    def validation_error(self, code, *args):
        if code == "email_password_mismatch" and settings.SSO_ACCOUNTS_SSO_ONLY:
            code = "email_password_mismatch_sso"
        return super().validation_error(code, *args)

    def authenticate(self, request, **credentials):
        """allauth's, but a password (local or directory) is never right for an SSO-only
        account: it is refused as a wrong one, with the same page and counted against the
        failed sign-in limits. Said apart, a right guess would be told (and free): the site
        would check Active Directory passwords for whoever asks.

        The backends refuse such an account already (apps/accounts/backends.py); what is
        left is the user allauth keeps aside when the password was right but the account
        inactive (it would be sent to the "account inactive" page)."""
        self.pre_authenticate(request, **credentials)
        # allauth's private AuthenticationBackend.unstash_authenticated_user and
        # _rollback_login_failed_rl_usage, checked against django-allauth 65.21.1 (tests/core/test_private_apis.py).
        AllauthBackend.unstash_authenticated_user()
        user = django_authenticate(request, **credentials) or AllauthBackend.unstash_authenticated_user()
        if user is not None and sso_only(user):
            user = None
        if user is not None:
            # As allauth: a success gives back its attempt, without wiping the count.
            self._rollback_login_failed_rl_usage()
        else:
            self.authentication_failed(request, **credentials)
        return user

    def send_password_reset_mail(self, user, email, context):
        """An SSO-only account gets no reset link: its mailbox is told to use the single
        sign-on. The page says the same as for any address."""
        if sso_only(user):
            login_url = settings.SITE_URL.rstrip("/") + reverse("account_login")
            self.send_mail("account/email/password_reset_sso", email, {"user": user, "login_url": login_url})
            return
        super().send_password_reset_mail(user, email, context)

    def logout(self, request):
        session_key = request.session.session_key
        super().logout(request)
        if session_key:
            disconnect_on_commit(session_group(session_key))

    def is_open_for_signup(self, request):
        if selectors.invitation_from_session(request=request):
            return True
        return bool(settings.ALLOWED_SIGNUP_DOMAINS)

    def send_mail(self, template_prefix, email, context):
        """Every allauth e-mail passes here. Its links were built from the request's address,
        which can be an internal name or port: they go to SITE_URL, the public address, as
        every other e-mail's. A link to sign-up is left out when this visitor may not."""
        request = allauth_context.request
        site = settings.SITE_URL.rstrip("/")
        context = dict(context)
        if request is not None:
            origin = request.build_absolute_uri("/").rstrip("/")
            for key, value in context.items():
                if isinstance(value, str) and value.startswith(origin + "/"):
                    context[key] = site + value[len(origin) :]
            if context.get("signup_url") and not self.is_open_for_signup(request):
                context["signup_url"] = ""
        context.setdefault(
            "current_site", SimpleNamespace(name=branding.current().site_name, domain=urlsplit(site).netloc)
        )
        super().send_mail(template_prefix, email, context)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            profile_create_for(user=user)
            invitation = selectors.invitation_from_session(request=request)
            if invitation:
                services.invitation_accept(invitation=invitation, user=user)
                request.session.pop(selectors.SESSION_INVITATION_KEY, None)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # The company's identity provider vouches for its employees.
        return settings.SSO_ALLOW_SIGNUP

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # What the provider says now: lookup() replaces sociallogin.user with the account
        # it finds, and pre_social_login brings these to it.
        sociallogin.claimed_names = (user.first_name, user.last_name)
        return user

    def pre_social_login(self, request, sociallogin):
        super().pre_social_login(request, sociallogin)
        if not sociallogin.is_existing:
            return
        first_name, last_name = getattr(sociallogin, "claimed_names", ("", ""))
        sso_account_update(
            user=sociallogin.user,
            first_name=first_name,
            last_name=last_name,
            email_addresses=sociallogin.email_addresses,
        )
        sso_account_remove_password(user=sociallogin.user)

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        profile_create_for(user=user)
        return user
