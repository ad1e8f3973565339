from django.urls import path, re_path

from apps.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.index, name="index"),
    re_path(r"^reports/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})/$", views.month, name="month"),
    path("reports/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
