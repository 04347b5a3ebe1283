"""The communities' own pages. The community page itself (communities:detail) shows posts
too, so apps.pages serves it and composes this namespace: see apps/pages/urls.py."""

from django.urls import path

from apps.communities import views

app_name = "communities"

urlpatterns = [
    path("", views.directory, name="index"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/cover/", views.cover, name="cover"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/membership/", views.membership, name="membership"),
    path("<slug:slug>/members/<int:user_id>/", views.manage_member, name="manage_member"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/settings/", views.settings_view, name="settings"),
    path("<slug:slug>/administer/", views.administer, name="administer"),
    path("<slug:slug>/delete/", views.delete, name="delete"),
]
