from django.urls import path

from apps.runs.api import views

urlpatterns = [
    path("runs/", views.RunListApi.as_view(), name="api-runs"),
    path("runs/<int:run_id>/", views.RunDetailApi.as_view(), name="api-run"),
    path("records/", views.RecordListApi.as_view(), name="api-records"),
    path("months/<int:year>/<int:month>/", views.MonthSummaryApi.as_view(), name="api-month-summary"),
]
