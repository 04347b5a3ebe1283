import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.widgets import DateTimeInput
from apps.feeds.models import Badge, Kind
from apps.feeds.services.interactions import MAX_COMMENT
from apps.feeds.services.posts import MAX_BODY, MAX_POLL_OPTIONS
from apps.profiles.selectors import resolve_handles

COMPOSER_KINDS = [Kind.POST, Kind.POLL, Kind.QUESTION, Kind.PRAISE, Kind.ANNOUNCEMENT]


class ComposerForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in COMPOSER_KINDS], initial=Kind.POST)
    community = forms.CharField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label=gettext_lazy("Message"),
        required=False,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 4, "data-mentions": "1"}),
    )
    poll_multiple = forms.BooleanField(label=gettext_lazy("Several answers allowed"), required=False)
    poll_closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    badge = forms.ChoiceField(label=gettext_lazy("Badge"), choices=[("", "—"), *Badge.choices], required=False)
    recipients = forms.CharField(
        label=gettext_lazy("Colleagues to praise"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Type @ and a name, one or more people."),
        widget=forms.TextInput(attrs={"data-mentions": "1", "placeholder": "@"}),
    )
    pinned = forms.BooleanField(label=gettext_lazy("Pin to the top"), required=False)

    def __init__(self, *args, can_announce: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_announce:
            self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != Kind.ANNOUNCEMENT]
        self.poll_options = [""] * 3
        if self.data:
            # More than the service allows is kept, so that the service says what is wrong.
            sent = [value.strip() for value in self.data.getlist("poll_option")][: 5 * MAX_POLL_OPTIONS]
            self.poll_options = sent + [""] * max(0, 2 - len(sent))

    def clean_recipients(self):
        text = self.cleaned_data["recipients"]
        if self.cleaned_data.get("kind") != Kind.PRAISE:
            return []
        handles = [h for h in re.split(r"[\s,;]+", text.replace("@", " ").strip()) if h]
        resolved = resolve_handles(handles)
        unknown = [h for h in handles if h.lower() not in resolved]
        if unknown:
            raise forms.ValidationError(_("Nobody found for: %(names)s.") % {"names": ", ".join(unknown)})
        return list(resolved.values())

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "body": data["body"],
            "poll_options": [o for o in self.poll_options if o],
            "poll_multiple": data["poll_multiple"],
            "poll_closes_at": data["poll_closes_at"],
            "badge": data["badge"],
            "recipients": data["recipients"],
            "pinned": data["pinned"],
        }


class EditPostForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=MAX_BODY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "data-mentions": "1"}),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=pgettext_lazy("comment text box", "Comment"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 2, "data-mentions": "1"}),
    )


class ShareForm(forms.Form):
    community = forms.ChoiceField(label=gettext_lazy("Share to"), required=False)
    body = forms.CharField(
        label=gettext_lazy("Add a few words (optional)"),
        required=False,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = targets
