from django.urls import path

from apps.plans import views

app_name = "plans"
urlpatterns = [
    path("plans/", views.plan_list, name="list"),
    path("plans/new/", views.plan_new, name="new"),
    path("plans/<int:plan_id>/", views.plan_detail, name="detail"),
    path("plans/<int:plan_id>/days/", views.plan_days, name="days"),
    path("plans/<int:plan_id>/delete/", views.plan_delete, name="delete"),
    path("plans/calendar/<str:token>.ics", views.plan_feed, name="feed"),
]
