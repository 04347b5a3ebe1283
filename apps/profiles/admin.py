from django.contrib import admin

from apps.profiles.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "job_title", "department", "location", "manager"]
    list_filter = ["department"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "job_title"]
    list_select_related = ["user", "manager__user"]
    raw_id_fields = ["user", "manager"]
