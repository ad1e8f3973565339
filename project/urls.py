from django.contrib import admin
from django.urls import include, path

from project import health

urlpatterns = [
    path("", include("apps.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("internal/rpc/", include("project.rpc.urls")),
    path("healthz", health.healthz, name="healthz"),
]
