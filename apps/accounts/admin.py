from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts import admin_third_party, services  # noqa: F401 - admin_third_party: registers, audited
from apps.accounts.address_notice import address_change_notify_on_commit
from apps.accounts.models import Invitation, User
from apps.moderation.admin_audit import AuditedModelAdmin
from apps.moderation.services import audit_record
from apps.profiles.activation import activation_check, user_set_active

# What makes someone an administrator: granted or taken away, one entry of its own.
PERMISSION_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


class UserChangeForm(DjangoUserChangeForm):
    acting_user = None  # set by UserAdmin.get_form

    def clean_is_active(self):
        """The activation service's rule (apps/profiles/activation.py, which the save goes
        through), said on the form rather than as a refusal after it."""
        active = self.cleaned_data.get("is_active")
        if self.instance.pk is None or active == self.initial.get("is_active"):
            return active
        try:
            activation_check(actor=self.acting_user, user=self.instance)
        except PermissionDenied as refusal:
            raise ValidationError(str(refusal)) from refusal
        return active


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    """Every change an administrator makes here is audited (apps/moderation/admin_audit.py):
    (de)activating goes through the activation service and its entry; the e-mail address
    and the administrator rights get entries of their own, and the person is told at their
    old address when it changes (apps/accounts/address_notice.py); the password, set on its
    own page, is audited and e-mailed by apps/accounts/signals.py."""

    form = UserChangeForm
    audit_name = "user"
    audit_deleted_fields = ("email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class made for this request
        form.acting_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        activity_changed = change and "is_active" in form.changed_data
        active = obj.is_active
        if activity_changed:
            # Left to the service: its audit entry, the directory sync told to leave the
            # status alone, the person's sockets closed, the directory's facets refreshed.
            obj.is_active = form.initial["is_active"]
        super().save_model(request, obj, form, change)
        if activity_changed:
            user_set_active(actor=request.user, user=obj, active=active)

    def audit_changes(self, request, obj, changes, add):
        if add:
            return super().audit_changes(request, obj, changes, add)
        changes.pop("is_active", None)  # account.deactivate / account.reactivate, by the service
        if "email" in changes:
            before, after = changes.pop("email")
            audit_record(
                actor=request.user,
                action="user.email_change",
                target=obj,
                before={"email": before},
                after={"email": after},
            )
            address_change_notify_on_commit(actor=request.user, user_id=obj.pk, removed=before, added=after)
        rights = {field: changes.pop(field) for field in PERMISSION_FIELDS if field in changes}
        self.audit_entry(request, obj, "permissions_change", rights)
        return super().audit_changes(request, obj, changes, add)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email"]

    def clean_email(self):
        return services.invitation_clean_email(self.cleaned_data["email"])


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationForm
    list_display = ["email", "invited_by", "created_at", "sent_at", "accepted_at", "expires_at", "revoked_at"]
    search_fields = ["email"]
    fields = ["email"]
    readonly_fields: list[str] = []

    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, an invitation stays on record; deleted, it would leave no trace

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.add_invitation")

    @admin.action(description=_("Revoke the selected invitations"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(services.invitation_revoke(actor=request.user, invitation=invitation) for invitation in queryset)
        self.message_user(
            request,
            ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", revoked) % {"count": revoked},
        )

    def save_model(self, request, obj, form, change):
        invitation = services.invitation_create(actor=request.user, email=form.cleaned_data["email"])
        obj.pk = invitation.pk
        obj.key = invitation.key
