"""The site's branding: its name, logo and primary colour, set by an administrator in the admin."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.branding import DEFAULT_PRIMARY_COLOUR
from apps.pages.colours import AA, HEX, WHITE, contrast, rgb

DEFAULT_PRIMARY = DEFAULT_PRIMARY_COLOUR


def validate_primary(value: str) -> None:
    if HEX.match(value) and contrast(rgb(value), WHITE) < AA:
        raise ValidationError(
            _(
                "White text on this colour would be hard to read (%(ratio).1f:1; at least 4.5:1 is needed). "
                "Choose a darker colour."
            ),
            params={"ratio": contrast(rgb(value), WHITE)},
            code="contrast",
        )


class SiteBranding(models.Model):
    """One row (pk 1). The pages read it from a small file written when it is saved
    (apps/pages/branding.py), never from the database on each request."""

    site_name = models.CharField(
        _("site name"),
        max_length=60,
        blank=True,
        help_text=_("Shown in the top bar, page titles and e-mails. Empty: the SITE_NAME setting."),
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default=DEFAULT_PRIMARY,
        validators=[RegexValidator(HEX, _("Enter a colour as #RRGGBB, for example #1d4ed8.")), validate_primary],
        help_text=_("Buttons, links and the selected navigation, as #RRGGBB. White text on it must read at 4.5:1."),
    )
    logo = models.JSONField(_("logo"), default=dict, blank=True, editable=False)  # {"file", "version"}
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("branding")
        verbose_name_plural = _("branding")

    def __str__(self) -> str:
        return str(_("Branding"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
