"""The browser's own date and time inputs, for every form of the project.

`<input type="date">` (and `datetime-local`, `time`) takes and gives its value in ISO
format whatever the language of the page: Django's inputs write the value in the active
language's format ("25/12/1990" in French), which the browser rejects; the field then shows
empty and saves empty. These always write ISO. Django's date, time and datetime fields read
ISO back in every language (it is always among their input formats)."""

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A local date and time (the browser sends no time zone: the active one applies)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


# The input types whose value the browser reads and writes in ISO only.
ISO_INPUT_TYPES = {"date": "%Y-%m-%d", "datetime-local": "%Y-%m-%dT%H:%M", "time": "%H:%M"}
