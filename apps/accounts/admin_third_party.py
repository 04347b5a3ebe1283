"""The admin pages that allauth and Django register for their own models, registered again
with the audit (apps/moderation/admin_audit.py). Each decides how someone signs in or what
they may do: an e-mail address (where a reset link and the security notices go), a link to
the identity provider (who signs in as whom), the provider's settings, a second factor, a
group's permissions. Imported by apps/accounts/admin.py."""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.socialaccount.admin import SocialAccountAdmin as AllauthSocialAccountAdmin
from allauth.socialaccount.admin import SocialAppAdmin as AllauthSocialAppAdmin
from allauth.socialaccount.admin import SocialTokenAdmin as AllauthSocialTokenAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from apps.accounts.address_notice import address_change_notify_on_commit
from apps.moderation.admin_audit import AuditedModelAdmin
from apps.moderation.services import audit_record


class EmailAddressAdmin(AuditedModelAdmin, AllauthEmailAddressAdmin):
    """An address changed, added, moved to another account or removed: audited, and the
    person told at the addresses they had (apps/accounts/address_notice.py)."""

    audit_name = "user.email_address"

    def audit_changes(self, request, obj, changes, add):
        super().audit_changes(request, obj, changes, add)
        if add:
            address_change_notify_on_commit(actor=request.user, user_id=obj.user_id, added=obj.email)
            return
        old_email = changes["email"][0] if "email" in changes else obj.email
        if "user" in changes:
            address_change_notify_on_commit(actor=request.user, user_id=changes["user"][0], removed=old_email)
            address_change_notify_on_commit(actor=request.user, user_id=obj.user_id, added=obj.email)
        elif "email" in changes:
            address_change_notify_on_commit(actor=request.user, user_id=obj.user_id, removed=old_email, added=obj.email)

    def audit_deletion(self, request, obj):
        super().audit_deletion(request, obj)
        address_change_notify_on_commit(actor=request.user, user_id=obj.user_id, removed=obj.email)

    def make_verified(self, request, queryset):
        unverified = list(queryset.filter(verified=False).values_list("pk", flat=True))
        super().make_verified(request, queryset)
        for address in EmailAddress.objects.filter(pk__in=unverified, verified=True):
            audit_record(
                actor=request.user,
                action=self.audit_action("verify"),
                target=address,
                before={"verified": False},
                after={"verified": True},
            )

    make_verified.short_description = AllauthEmailAddressAdmin.make_verified.short_description


class SocialAccountAdmin(AuditedModelAdmin, AllauthSocialAccountAdmin):
    """Whoever the provider signs in as `uid` becomes this account's person."""

    audit_name = "user.sso_link"
    audit_hidden_fields = frozenset({"extra_data"})


class SocialAppAdmin(AuditedModelAdmin, AllauthSocialAppAdmin):
    audit_name = "sso.app"
    audit_hidden_fields = frozenset({"secret", "settings"})


class SocialTokenAdmin(AuditedModelAdmin, AllauthSocialTokenAdmin):
    audit_name = "sso.token"
    audit_hidden_fields = frozenset({"token", "token_secret"})


class AuthenticatorAdmin(AuditedModelAdmin, AllauthAuthenticatorAdmin):
    audit_name = "user.authenticator"
    audit_hidden_fields = frozenset({"data"})


class GroupAdmin(AuditedModelAdmin, DjangoGroupAdmin):
    audit_name = "auth.group"


for model, model_admin in [
    (EmailAddress, EmailAddressAdmin),
    (SocialAccount, SocialAccountAdmin),
    (SocialApp, SocialAppAdmin),
    (SocialToken, SocialTokenAdmin),
    (Authenticator, AuthenticatorAdmin),
    (Group, GroupAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
