from django.urls import path

from apps.tokendealer import views

app_name = "tokendealer"
urlpatterns = [
    path("oauth/token", views.token, name="token"),
    path("oauth/introspect", views.introspect, name="introspect"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
