from django.urls import path

from apps.races import views

app_name = "races"
urlpatterns = [
    path("races/", views.race_list, name="list"),
    path("races/new/", views.race_new, name="new"),
    path("races/<int:race_id>/", views.race_detail, name="detail"),
    path("races/<int:race_id>/edit/", views.race_edit, name="edit"),
    path("races/<int:race_id>/running/", views.race_running, name="running"),
    path("races/<int:race_id>/result/", views.race_result, name="result"),
]
