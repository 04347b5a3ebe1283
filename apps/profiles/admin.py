from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.text import fold
from apps.moderation.admin_audit import AuditedModelAdmin
from apps.profiles import services
from apps.profiles.models import PRIVATIZABLE_FIELDS, Profile, ProfileFieldPolicy, Skill
from apps.profiles.selectors import is_profile_admin

# Audited (apps/moderation/admin_audit.py): deleting someone's profile, which fields are
# private to whom, the skills everyone's profile lists.


@admin.register(Profile)
class ProfileAdmin(AuditedModelAdmin):
    audit_name = "profile"
    audit_deleted_fields = ("user", "display_name", "job_title", "department")
    list_display = ["user", "job_title", "department", "location", "manager"]
    list_filter = ["department", "location"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "display_name", "job_title"]
    list_select_related = ["user", "manager__user"]
    raw_id_fields = ["user", "manager"]
    exclude = ["skills"]

    def get_exclude(self, request, obj=None):
        # Private fields are for the profile administrators, as in the product itself.
        if is_profile_admin(request.user):
            return self.exclude
        return [*self.exclude, *PRIVATIZABLE_FIELDS]

    # Profiles change through the product's own edit page (apps.profiles.services), which
    # validates the manager chain, renders "about me" and keeps the search index current.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProfileFieldPolicy)
class ProfileFieldPolicyAdmin(AuditedModelAdmin):
    audit_name = "profile.field_policy"
    list_display = ["field", "is_private"]


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["name"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        same = Skill.objects.filter(folded=fold(name)[:60]).exclude(pk=self.instance.pk).first()
        if same is not None:
            raise forms.ValidationError(_("This is the skill “%(name)s” already.") % {"name": same.name})
        return name


@admin.register(Skill)
class SkillAdmin(AuditedModelAdmin):
    audit_name = "skill"
    form = SkillForm
    search_fields = ["name"]
    readonly_fields = ["folded"]

    # The profiles listing a skill are searched by its name: renamed or deleted here, their
    # search text follows (apps.profiles.services).
    def save_model(self, request, obj, form, change):
        services.skill_save(skill=obj)

    def delete_model(self, request, obj):
        services.skills_delete(skills=Skill.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.skills_delete(skills=queryset)
