"""The design system's template tags: {% icon "name" %} (apps/core/icons.py)."""

from django import template

from apps.core.icons import icon_svg

register = template.Library()


@register.simple_tag
def icon(name, label="", css=""):
    return icon_svg(name, label=str(label), css=css)
