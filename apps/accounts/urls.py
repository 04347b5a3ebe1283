from django.urls import path

from apps.accounts import views

urlpatterns = [
    path("invitation/<str:key>/", views.invitation_accept, name="invitation_accept"),
    # Before allauth's own (config/urls.py), which they wrap: same addresses, same names.
    path("password/change/", views.password_change, name="account_change_password"),
    path("password/set/", views.password_set, name="account_set_password"),
]
