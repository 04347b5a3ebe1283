from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.core.views import placeholder_view

app_name = "communities"

urlpatterns = [
    path("", placeholder_view(_("Communities")), name="index"),
]
