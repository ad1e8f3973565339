from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("profile/", views.profile, name="profile"),
    path("profile/export.json", views.export, name="export"),
    path("profile/delete/", views.delete, name="delete"),
]
