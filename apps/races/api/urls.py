from django.urls import path

from apps.races.api import views

urlpatterns = [
    path("races/", views.RaceListApi.as_view(), name="api-races"),
    path("races/<int:race_id>/", views.RaceDetailApi.as_view(), name="api-race"),
    path("races/<int:race_id>/registration/", views.RegistrationApi.as_view(), name="api-race-registration"),
    path("races/<int:race_id>/result/", views.ResultApi.as_view(), name="api-race-result"),
]
