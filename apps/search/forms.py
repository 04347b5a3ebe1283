"""The results page's filters, read from the address (GET): each checked, each error said."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.widgets import DateInput
from apps.feeds.models import Kind
from apps.search.selectors.content import NEWEST, RELEVANCE

# Dates a search can be about; beyond them a date is a typing mistake (and 9999-12-31 plus
# a day is no date at all).
FIRST_YEAR, LAST_YEAR = 1970, 2999
YEARS = {"first": FIRST_YEAR, "last": LAST_YEAR}
TABS = ("all", "posts", "people", "communities", "files", "messages")
KINDS = [(value, label) for value, label in Kind.choices if value != Kind.SHARE]
# Bootstrap's class for each kind of input; any other is a form-control.
WIDGET_CLASSES = {forms.Select: "form-select", forms.CheckboxInput: "form-check-input"}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    tab = forms.ChoiceField(choices=[(tab, tab) for tab in TABS], required=False)
    author = forms.CharField(
        label=_("Author"),
        required=False,
        max_length=120,
        help_text=_("Their e-mail address, or its part before the @."),
    )
    community = forms.SlugField(label=_("Community"), required=False, max_length=80)
    after = forms.DateField(label=_("From"), required=False, widget=DateInput())
    before = forms.DateField(label=_("To"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", pgettext_lazy("kind", "Any")), *KINDS])
    files = forms.BooleanField(label=_("With attachments"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(RELEVANCE, _("Relevance")), (NEWEST, _("Newest"))],
    )
    cursor = forms.CharField(required=False, max_length=400)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = WIDGET_CLASSES.get(type(field.widget), "form-control")

    def full_clean(self):
        """Each field with an error says so to assistive technology, and points at its message
        (templates/search/_filter_field.html writes it under that id)."""
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                described = [f"{bound.auto_id}_helptext"] if bound.help_text else []
                bound.field.widget.attrs.update(
                    {
                        "class": bound.field.widget.attrs["class"] + " is-invalid",
                        "aria-invalid": "true",
                        "aria-describedby": " ".join([*described, f"{bound.auto_id}_error"]),
                    }
                )

    def clean_author(self):
        return self.cleaned_data["author"].lstrip("@").strip()

    def clean(self):
        data = super().clean()
        after, before = data.get("after"), data.get("before")
        for name, value in (("after", after), ("before", before)):
            if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
                self.add_error(name, _("Choose a date between %(first)s and %(last)s.") % YEARS)
                return data
        if after and before and after > before:
            self.add_error("before", _("The end date is before the start date."))
        return data

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        """The dates as the viewer's days: from the start of the first to the end of the last."""
        zone = timezone.get_current_timezone()
        after, before = self.cleaned_data.get("after"), self.cleaned_data.get("before")
        start = datetime.combine(after, time.min, tzinfo=zone) if after else None
        end = datetime.combine(before, time.min, tzinfo=zone) + timedelta(days=1) if before else None
        return start, end
