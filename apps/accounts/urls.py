from django.urls import path

from apps.accounts import views

urlpatterns = [
    path("invitation/<str:key>/", views.invitation_accept, name="invitation_accept"),
]
