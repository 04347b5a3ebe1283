"""Posting a Django admin form as a browser would: what the page shows, with some values
changed."""

import datetime

from django import forms


def _posted(value):
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return "" if value is None else value


def _inputs(field, name: str, value) -> dict:
    if isinstance(field.widget, forms.MultiWidget):
        return {f"{name}_{index}": _posted(part) for index, part in enumerate(field.widget.decompress(value))}
    if isinstance(field, forms.BooleanField):
        return {name: "on"} if value else {}
    if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)) or isinstance(value, list):
        return {name: [str(item) for item in value or []]}
    return {name: _posted(value)}


def form_data(client, url: str, **changes) -> dict:
    """The form at `url` as its page fills it in, with `changes` applied (None leaves a
    field out, as an unticked box)."""
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        data.update(_inputs(field, name, form[name].value()))
        if field.show_hidden_initial:  # a default computed when the page was shown
            data.update(_inputs(field, f"initial-{name}", form[name].initial))
    for inline in response.context.get("inline_admin_formsets") or []:
        management = inline.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
    for name, value in changes.items():
        if value is None or value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


def post_form(client, url: str, **changes):
    return client.post(url, form_data(client, url, **changes))
