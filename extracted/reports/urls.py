from django.urls import include, path

from project import health

urlpatterns = [
    path("internal/rpc/", include("project.rpc.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
]
