from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts import services
from apps.accounts.models import Invitation, User
from apps.core.broadcast import disconnect_on_commit, group_name
from apps.directory.services.accounts import account_status_taken_locally


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # An administrator's decision: the next directory sync does not undo it.
            account_status_taken_locally(user=obj)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # As when deactivating from the profile page: the person's open sockets close.
            disconnect_on_commit(group_name("user", obj.pk))


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
