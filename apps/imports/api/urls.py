from django.urls import path

from apps.imports.api import views

urlpatterns = [
    path("uploads/", views.UploadApi.as_view(), name="api-uploads"),
    path("jobs/", views.JobListApi.as_view(), name="api-jobs"),
    path("jobs/<uuid:job_id>/", views.JobDetailApi.as_view(), name="api-job"),
]
