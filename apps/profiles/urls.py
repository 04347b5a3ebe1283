"""The people pages of profiles itself. A person's page (people:detail) shows their posts
and communities too, so apps.pages serves it and composes this namespace: see apps/pages/urls.py."""

from django.urls import path

from apps.profiles import views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="index"),
    path("export.csv", views.export, name="export"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.edit, name="edit_me"),
    path("me/time-zone/", views.time_zone, name="time_zone"),
    path("<int:user_id>/card/", views.card, name="card"),
    path("<int:user_id>/org/", views.org_chart, name="org_chart"),
    path("<int:user_id>/org/reports/", views.org_reports, name="org_reports"),
    path("<int:user_id>/follow/", views.follow, name="follow"),
    path("<int:user_id>/followers/", views.followers, name="followers"),
    path("<int:user_id>/following/", views.following, name="following"),
    path("<int:user_id>/edit/", views.edit, name="edit"),
    path("<int:user_id>/deactivate/", views.set_active, {"active": False}, name="deactivate"),
    path("<int:user_id>/reactivate/", views.set_active, {"active": True}, name="reactivate"),
    path("<int:user_id>/avatar/<int:size>/", views.avatar, name="avatar"),
]
