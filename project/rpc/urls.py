from django.urls import path

from project.rpc import views

app_name = "rpc"
urlpatterns = [
    path("<slug:service_name>/<slug:method_name>", views.call, name="call"),
]
