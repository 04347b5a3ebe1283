"""{% load when %}{% when value %}: the one way a date is shown (apps/core/when.py).
{% when value "absolute" %} is the full date as plain text, for e-mails and sentences."""

from django import template

from apps.core.when import when_html, when_text

register = template.Library()


@register.simple_tag(name="when")
def when_tag(value, style=""):
    if style == "absolute":
        return when_text(value)
    return when_html(value)
