"""Django's and allauth's authentication backends, reading the signed-in user with a
statement compiled once per process: every request reads it (apps/core/prepared.py)."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError

from apps.core import prepared


class CompiledUserLookup:
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user_id = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None

        def make():
            return None, User._default_manager.filter(pk=prepared.SUBJECT)

        _none, statement = prepared.compiled(("signed-in user",), make, (prepared.SUBJECT,))
        users = statement.run({prepared.SUBJECT: user_id})
        return users[0] if users and self.user_can_authenticate(users[0]) else None


class NoPasswordForSsoOnly:
    """An SSO-only account (apps/accounts/sso.py) has no password here, local or directory:
    a right one is refused as a wrong one, and every backend is still tried, as for a wrong
    password, so that neither the answer nor its time tells them apart."""

    def authenticate(self, request, **credentials):
        from apps.accounts.sso import sso_only

        user = super().authenticate(request, **credentials)
        return None if user is not None and sso_only(user) else user


class ModelBackend(NoPasswordForSsoOnly, CompiledUserLookup, backends.ModelBackend):
    pass


class AuthenticationBackend(NoPasswordForSsoOnly, CompiledUserLookup, AllauthBackend):
    pass


class DirectoryPasswordBackend(CompiledUserLookup, backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        from apps.directory.services.signin import directory_authenticate

        user = directory_authenticate(login=email or username or "", password=password or "")
        return user if user is not None and self.user_can_authenticate(user) else None


class DirectoryBackend(NoPasswordForSsoOnly, DirectoryPasswordBackend):
    """Directory passwords: binds as the person against the LDAP / Active Directory source
    that allows it (apps.directory.services.signin). Tried after the local password."""
