"""The administration's search boxes for people and communities run the site's search
(apps/search/selectors/admin.py) instead of Django's substring match over a few columns:
an e-mail address, a directory id or a name written without its accents all find the person."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.admin import UserAdmin
from apps.communities.models import Community, is_site_admin
from apps.profiles.admin import ProfileAdmin
from apps.profiles.models import Profile
from apps.search.selectors import admin as admin_search


class _PeopleSearch:
    user_field = "pk"
    search_help_text = _("An e-mail address (or its start), a directory id, DN or user name, or a name.")

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(**{f"{self.user_field}__in": admin_search.matching_user_ids(search_term)}), False


class SearchedUserAdmin(_PeopleSearch, UserAdmin):
    pass


class SearchedProfileAdmin(_PeopleSearch, ProfileAdmin):
    user_field = "user_id"


for model, model_admin in ((get_user_model(), SearchedUserAdmin), (Profile, SearchedProfileAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    """Find a community (by its address, name, description or tags) and open its page.
    Communities are changed from their own pages, where their owners' rules apply."""

    list_display = ["name", "slug", "visibility", "archived_at", "created_at"]
    list_filter = ["visibility"]
    search_fields = ["name"]  # shows the box; the search itself is get_search_results
    search_help_text = _("An address, or words of the name, description or tags.")
    ordering = ["sort_name"]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=admin_search.matching_communities(search_term).values("pk")), False

    def has_view_permission(self, request, obj=None):
        # Private communities' names and descriptions: for site administrators only, as on
        # the site itself (`content_visible_to`), not for every member of staff.
        return is_site_admin(request.user)

    def has_module_permission(self, request):
        return is_site_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return reverse("communities:detail", args=[obj.slug])
