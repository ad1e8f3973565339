from django.urls import path

from apps.plans.api import views

urlpatterns = [
    path("plan-templates/", views.TemplateListApi.as_view(), name="api-plan-templates"),
    path("plans/", views.PlanListApi.as_view(), name="api-plans"),
    path("plans/<int:plan_id>/", views.PlanDetailApi.as_view(), name="api-plan"),
    path("plans/<int:plan_id>/sessions/", views.SessionListApi.as_view(), name="api-plan-sessions"),
]
