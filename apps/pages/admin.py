"""The branding in the admin: one page, name, primary colour and logo."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.files.pictures import validate_picture
from apps.pages import services
from apps.pages.models import SiteBranding


class BrandingForm(forms.ModelForm):
    logo_upload = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A square image (JPEG, PNG, WebP or GIF), shown at 32 px in the top bar."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = SiteBranding
        fields = ["site_name", "primary_colour"]
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if upload is None:
            return None
        return services.logo_render(validate_picture(upload))


@admin.register(SiteBranding)
class SiteBrandingAdmin(admin.ModelAdmin):
    form = BrandingForm
    fields = ["site_name", "primary_colour", "logo_upload", "remove_logo"]

    def add_view(self, request, form_url="", extra_context=None):
        # One row: once it exists, "add" edits it (no query for the add permission, which
        # the admin asks on every page that lists the models).
        row = services.branding_get()
        if not row._state.adding:
            return redirect(reverse("admin:pages_sitebranding_change", args=[row.pk]))
        return super().add_view(request, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: the list would be a page with a single link.
        row = services.branding_get()
        if row._state.adding:
            return redirect(reverse("admin:pages_sitebranding_add"))
        return redirect(reverse("admin:pages_sitebranding_change", args=[row.pk]))

    def save_model(self, request, obj, form, change):
        services.branding_save(
            actor=request.user,
            row=obj,
            logo=form.cleaned_data.get("logo_upload"),
            remove_logo=form.cleaned_data.get("remove_logo", False),
        )
