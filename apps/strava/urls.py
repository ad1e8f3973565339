from django.urls import path

from apps.strava import views

app_name = "strava"
urlpatterns = [
    path("strava/", views.status, name="status"),
    path("strava/connect/", views.connect, name="connect"),
    path("strava/callback/", views.callback, name="callback"),
    path("strava/disconnect/", views.disconnect, name="disconnect"),
    path("strava/webhook/", views.webhook, name="webhook"),
    path("strava/webhook/<str:secret>/", views.webhook, name="webhook-secret"),
]
