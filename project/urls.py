from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from project import health, metrics
from project.web import views as web_views

urlpatterns = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.dashboard.urls")),
    path("", include("apps.runs.urls")),
    path("", include("apps.imports.urls")),
    path("", include("apps.strava.urls")),
    path("", include("apps.reports.urls")),
    path("", include("apps.races.urls")),
    path("", include("apps.plans.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("apps.runs.api.urls")),
    path("api/v1/", include("apps.imports.api.urls")),
    path("api/v1/", include("apps.races.api.urls")),
    path("api/v1/", include("apps.plans.api.urls")),
    path("api/v1/", include("apps.accounts.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("internal/rpc/", include("project.rpc.urls")),
    path("", include("apps.tokendealer.urls")),
    path("favicon.ico", web_views.favicon),
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

handler404 = "project.api.not_found"
