from django.urls import path

from apps.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.upload, name="upload"),
    path("imports/jobs/<uuid:job_id>/", views.job, name="job"),
    path("imports/jobs/<uuid:job_id>/status.json", views.job_status, name="job_status"),
]
