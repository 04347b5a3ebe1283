import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.widgets import DateInput
from apps.profiles.models import Profile
from apps.profiles.services import ADMIN_FIELDS


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class ProfileForm(forms.ModelForm):
    """Everything an employee (or an admin) edits; fields a directory owns arrive disabled."""

    skills = forms.CharField(
        label=_("Expertise"), required=False, help_text=_("Separate skills with commas."), max_length=2000
    )
    languages = forms.CharField(
        label=_("Languages"), required=False, help_text=_("Separate languages with commas."), max_length=500
    )
    manager_email = forms.EmailField(label=_("Manager's e-mail address"), required=False)
    avatar = forms.FileField(
        label=_("Photo"), required=False, help_text=_("JPEG, PNG, WebP or GIF, at least 64 pixels a side.")
    )
    remove_avatar = forms.BooleanField(label=_("Remove my photo"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    class Meta:
        model = Profile
        # What the services let anyone edit; manager and languages have their own fields above.
        fields = [field for field in ADMIN_FIELDS if field not in ("manager", "languages")]
        widgets = {
            "about": forms.Textarea(attrs={"rows": 6}),
            "birthday": DateInput(),
            "start_date": DateInput(),
            "phone_work": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "phone_mobile": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args, editable: list[str], sources: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        profile = self.instance
        self.fields["time_zone"].choices = [("", "—")] + [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]
        self.initial.setdefault("skills", ", ".join(skill.name for skill in profile.skills.all()))
        self.initial.setdefault("languages", ", ".join(profile.languages))
        if profile.manager_id:
            self.initial.setdefault("manager_email", profile.manager.user.email)
        self.sources = sources
        for name, field in self.fields.items():
            model_name = "manager" if name == "manager_email" else name
            if model_name in ("skills", "avatar", "remove_avatar"):
                continue
            if model_name not in editable:
                field.disabled = True
                field.required = False
                if model_name in sources:
                    field.help_text = _("Set by %(source)s; ask your administrator to change it.") % {
                        "source": sources[model_name]
                    }
        if "manager" not in editable and not profile.manager_id:
            del self.fields["manager_email"]
        if "start_date" not in editable and not profile.start_date:
            del self.fields["start_date"]
        for name, field in self.fields.items():
            # Each field posts back the value the page was shown with too: what this person
            # changed is then known, and only that is written (someone else may have changed
            # another field of the profile meanwhile).
            field.show_hidden_initial = name not in ("avatar", "remove_avatar")

    def clean_manager_email(self):
        if self.fields["manager_email"].disabled:
            # Read-only here: whatever it holds (even a manager who has left) is not being changed.
            return self.instance.manager
        email = self.cleaned_data.get("manager_email")
        if not email:
            return None
        manager = Profile.objects.select_related("user").filter(user__email__iexact=email, user__is_active=True).first()
        if manager is None:
            raise forms.ValidationError(_("No current employee has this address."))
        return manager

    def _changed(self, name: str) -> bool:
        if name not in self.fields:
            return False
        if self[name].html_initial_name not in self.data:
            return True  # posted without the values it was shown with (a script): all of it counts
        return name in self.changed_data

    def changes(self, editable: list[str]) -> dict:
        """The fields this person changed on the page, among those they may edit."""
        data = {}
        for field in editable:
            if field == "manager":
                if self._changed("manager_email"):
                    data["manager"] = self.cleaned_data.get("manager_email")
            elif field == "languages":
                if self._changed("languages"):
                    data["languages"] = _split(self.cleaned_data.get("languages"))
            elif field in self.cleaned_data and self._changed(field):
                data[field] = self.cleaned_data[field]
        return data

    def avatar_changes(self) -> dict:
        return {
            "avatar": self.cleaned_data.get("avatar"),
            "remove_avatar": bool(self.cleaned_data.get("remove_avatar")),
        }

    def skill_names(self) -> list[str] | None:
        """The skills as written, or None if this person left them as they were."""
        return _split(self.cleaned_data.get("skills")) if self._changed("skills") else None
