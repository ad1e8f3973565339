from django.urls import path

from apps.runs import views

app_name = "runs"
urlpatterns = [
    path("runs/", views.run_list, name="list"),
    path("runs/new/", views.run_new, name="new"),
    path("runs/<int:run_id>/", views.run_detail, name="detail"),
    path("runs/<int:run_id>/edit/", views.run_edit, name="edit"),
    path("runs/<int:run_id>/keep/", views.run_keep, name="keep"),
    path("runs/<int:run_id>/delete/", views.run_delete, name="delete"),
    path("records/", views.records, name="records"),
]
