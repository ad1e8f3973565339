from django.urls import path
from django.views.generic import RedirectView

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("accounts/login/", views.login, name="login"),  # allauth's sign-in (account_login), with a 429 lock-out
    path("accounts/signup/", views.signup, name="signup"),  # allauth's (account_signup), with the time zone
    path("profile/", views.profile, name="profile"),
    path("profile/export/", views.export, name="export"),
    path("profile/export/<uuid:export_id>/status/", views.export_status, name="export_status"),
    path("profile/export/<uuid:export_id>/download/", views.export_download, name="export_download"),
    path("profile/export.json", RedirectView.as_view(pattern_name="accounts:export", permanent=True)),
    path("profile/delete/", views.delete, name="delete"),
    path("profile/tokens/", views.tokens, name="tokens"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
