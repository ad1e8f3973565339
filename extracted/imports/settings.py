"""The imports service: apps/imports on its own database; see project/settings/service.py."""

from project.settings.production import *  # noqa: F403
from project.settings.service import as_service

as_service("imports", globals())
