"""Who may sign up: people whose e-mail domain is allowed, or who hold an invitation.
allauth's e-mails link to SITE_URL."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

from apps.accounts import selectors, services
from apps.core.broadcast import disconnect_on_commit
from apps.profiles.services import profile_create_for
from apps.realtime.selectors import session_group


class AccountAdapter(DefaultAccountAdapter):
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
        context.setdefault("current_site", SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(site).netloc))
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

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        profile_create_for(user=user)
        return user
