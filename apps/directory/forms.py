from django import forms
from django.utils.translation import gettext_lazy as _

from apps.directory.models import ContactSource


class ContactFileForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Format"),
        choices=[(ContactSource.CSV, _("Outlook CSV export (.csv)")), (ContactSource.VCARD, _("vCard (.vcf)"))],
    )
    file = forms.FileField(label=_("File"))

    def clean(self):
        cleaned = super().clean()
        upload, source = cleaned.get("file"), cleaned.get("source")
        if upload and not source:
            return cleaned
        if upload and source:
            name = (upload.name or "").lower()
            if name.endswith(".vcf") and source == ContactSource.CSV:
                cleaned["source"] = ContactSource.VCARD
            elif name.endswith(".csv") and source == ContactSource.VCARD:
                cleaned["source"] = ContactSource.CSV
        return cleaned
