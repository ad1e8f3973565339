"""A URLconf for tests/project/test_error_pages.py: the site's own, plus views that fail on purpose."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from project.urls import urlpatterns as site_urlpatterns


def _broken(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("broken/", _broken), path("forbidden/", _forbidden), *site_urlpatterns]
handler404 = "project.api.not_found"
