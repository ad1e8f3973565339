"""The URLs of an extracted service (project/settings/service.py): the internal endpoint, health and metrics."""

from django.urls import include, path

from project import health, metrics

urlpatterns = [
    path("internal/rpc/", include("project.rpc.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
