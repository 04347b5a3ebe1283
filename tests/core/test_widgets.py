"""Every date and time input of every form gives the browser ISO, in every language: a
browser's <input type="date"> (and datetime-local, time) shows nothing for "25/12/1990",
and the form would then save the field empty."""

import datetime
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.utils import timezone, translation

import apps
from apps.core.widgets import ISO_INPUT_TYPES

SAMPLES = {
    "date": (datetime.date(1990, 12, 25), "1990-12-25"),
    "datetime-local": (datetime.datetime(2026, 3, 7, 14, 30), "2026-03-07T14:30"),
    "time": (datetime.time(9, 5), "09:05"),
}


def _project_forms() -> list[type[forms.BaseForm]]:
    """Every form class the project defines (forms, admin and views modules of every app)."""
    for module in pkgutil.walk_packages(apps.__path__, "apps."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "admin", "views") or ".forms." in module.name:
            importlib.import_module(module.name)
    found, pending = [], [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("apps."):
                found.append(subclass)
    return found


def _html_type(widget) -> str | None:
    return widget.attrs.get("type") or getattr(widget, "input_type", None)


def _date_and_time_fields():
    for form in _project_forms():
        for name, field in getattr(form, "base_fields", {}).items():
            if _html_type(field.widget) in ISO_INPUT_TYPES:
                yield pytest.param(field, id=f"{form.__module__}.{form.__name__}.{name}")


FIELDS = list(_date_and_time_fields())


def test_the_project_has_such_fields():
    # The profile's birthday and start date, a poll's closing time at least: the check below runs.
    assert len(FIELDS) >= 3


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("field", FIELDS)
def test_each_renders_iso_and_reads_it_back(field, language):
    value, iso = SAMPLES[_html_type(field.widget)]
    with translation.override(language), timezone.override("Europe/Paris"):
        assert field.widget.format_value(value) == iso
        cleaned = field.clean(iso)
    if isinstance(cleaned, datetime.datetime):
        cleaned = timezone.make_naive(cleaned, timezone.get_fixed_timezone(60))
    assert cleaned == value


def test_no_template_writes_its_own_date_input():
    """Such an input written by hand in a template would format its value by the language."""
    pattern = re.compile(r"""type=["']?(date|datetime-local|time)["'\s>]""")
    written = [
        str(path)
        for directory in [Path(settings.BASE_DIR) / "templates"]
        for path in directory.rglob("*.html")
        if pattern.search(path.read_text())
    ]
    assert written == []
