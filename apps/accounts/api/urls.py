from django.urls import path

from apps.accounts.api import views

urlpatterns = [
    path("exports/", views.ExportListApi.as_view(), name="api-exports"),
    path("exports/<uuid:export_id>/", views.ExportDetailApi.as_view(), name="api-export"),
    path("exports/<uuid:export_id>/download/", views.ExportDownloadApi.as_view(), name="api-export-download"),
]
