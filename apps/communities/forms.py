import csv
import io

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.communities.models import Community, Visibility

MAX_BULK_LINES = 5000


def parse_bulk_upload(upload) -> list[str]:
    """E-mail addresses from a CSV file: the column named e-mail / email, else the first one."""
    text = upload.read(2_000_000).decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if name in ("email", "e-mail", "mail")), None)
    body = rows[1:] if column is not None else rows
    column = column or 0
    return [row[column] if len(row) > column else "" for row in body][:MAX_BULK_LINES]


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _active_user(email: str):
    user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise forms.ValidationError(_("No current employee has this address."))
    return user


class CommunityForm(forms.ModelForm):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas."))
    owner_email = forms.EmailField(
        label=_("Owner's e-mail address"), required=False, help_text=_("Leave empty to own it yourself.")
    )

    class Meta:
        model = Community
        fields = ["name", "description", "visibility"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "visibility": forms.RadioSelect}

    cover = forms.FileField(
        label=_("Cover image"), required=False, help_text=_("JPEG, PNG, WebP or GIF; shown as a wide banner.")
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)

    def __init__(self, *args, site_admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visibility"].choices = Visibility.choices
        if not self.instance.pk:
            del self.fields["cover"]
            del self.fields["remove_cover"]
        if self.instance.pk:
            self.initial.setdefault("tags", ", ".join(self.instance.tags))
        if not site_admin or self.instance.pk:
            del self.fields["owner_email"]

    def clean_owner_email(self):
        email = self.cleaned_data.get("owner_email")
        return _active_user(email) if email else None

    def _post_clean(self):
        # The services validate and save; the form only parses.
        pass

    def create_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "visibility": data["visibility"],
            "tags": _split(data.get("tags")),
            "owner": data.get("owner_email"),
        }

    def cover_changes(self) -> dict:
        return {"cover": self.cleaned_data.get("cover"), "remove_cover": bool(self.cleaned_data.get("remove_cover"))}

    def settings_changes(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "visibility": data["visibility"],
            "tags": _split(data.get("tags")),
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Invite a person (e-mail address)"), required=False)
    department = forms.CharField(label=_("or a whole department"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("department"):
            raise forms.ValidationError(_("Give an e-mail address or a department."))
        if data.get("email"):
            data["user"] = _active_user(data["email"])
        return data


class TransferForm(forms.Form):
    email = forms.EmailField(label=_("New owner's e-mail address"))

    def clean_email(self):
        self.cleaned_data["user"] = _active_user(self.cleaned_data["email"])
        return self.cleaned_data["email"]


class BulkAddForm(forms.Form):
    emails = forms.CharField(
        label=_("E-mail addresses, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    csv_file = forms.FileField(
        label=_("or a CSV file"), required=False, help_text=_("First column, or a column named email.")
    )

    def clean_csv_file(self):
        upload = self.cleaned_data.get("csv_file")
        if upload and upload.size > 2_000_000:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("emails", "").strip() and not data.get("csv_file"):
            raise forms.ValidationError(_("Paste addresses or choose a CSV file."))
        return data

    def addresses(self) -> list[str]:
        pasted = self.cleaned_data.get("emails", "").splitlines()
        upload = self.cleaned_data.get("csv_file")
        return (pasted + (parse_bulk_upload(upload) if upload else []))[:MAX_BULK_LINES]


class DeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the community's name to confirm"), max_length=200)
