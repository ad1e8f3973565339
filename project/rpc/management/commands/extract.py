"""`manage.py extract APP`: the deployment glue for running one app as its own service."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from project.rpc import interface

FILES = {
    "__init__.py": "",
    "settings.py": '''"""The {app} service: apps/{app} on its own database; see project/settings/service.py."""

from project.settings.production import *  # noqa: F403
from project.settings.service import as_service

as_service("{app}", globals())
''',
    "wsgi.py": """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "extracted.{app}.settings")
application = get_wsgi_application()
""",
    "gunicorn.conf.py": '''"""gunicorn -c extracted/{app}/gunicorn.conf.py extracted.{app}.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.{app}.settings"]
''',
    "requirements.txt": "-r ../../requirements/production.txt\n",
    "Dockerfile": """# docker build -f extracted/{app}/Dockerfile -t runnerly-{app} .   (from the repository root)
FROM python:3.11-slim
WORKDIR /srv/runnerly
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt
COPY . .
ENV DJANGO_SETTINGS_MODULE=extracted.{app}.settings PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "-c", "extracted/{app}/gunicorn.conf.py", "extracted.{app}.wsgi"]
""",
    "README.md": """# The {app} service

`apps/{app}` running on its own: its own PostgreSQL database, its own Celery queue (`{app}`), its own
beat for its periodic tasks. Every other interface is called in the monolith over HTTP.

| process | command |
|---|---|
| web | `gunicorn -c extracted/{app}/gunicorn.conf.py extracted.{app}.wsgi` |
| worker | `DJANGO_SETTINGS_MODULE=extracted.{app}.settings celery -A project worker -Q {app}` |
| beat | `DJANGO_SETTINGS_MODULE=extracted.{app}.settings celery -A project beat` |

Environment, on top of the monolith's production settings: `DATABASE_URL` (the service's own
database), `RUNNERLY_MONOLITH_URL` (where the other services answer), `RUNNERLY_EXTRACTED_APPS` and
`SERVICE_ROUTING` (the same as the monolith's, when other apps run as services too), `RPC_AUTH`,
`RPC_CLIENT_ID`/`RPC_CLIENT_SECRET` (from `manage.py tokendealer_client create {app}-service
--audience ...` in the monolith), `RPC_TOKEN_URL`, `RPC_JWKS_URL`.

The monolith, for its part, sets `RUNNERLY_EXTRACTED_APPS={app}` and
`SERVICE_ROUTING={app}=http://<this service>`. The steps, in order, are in docs/extraction.md.
""",
}


class Command(BaseCommand):
    help = "Write extracted/APP/ (settings, wsgi, gunicorn, requirements, Dockerfile, README); print what is left."

    def add_arguments(self, parser):
        parser.add_argument("app", help="an app label, e.g. reports")
        parser.add_argument("--force", action="store_true", help="overwrite files that exist")

    def handle(self, *args, **options):
        app = options["app"]
        services = interface.registered_services()
        if app not in services:
            raise CommandError(f"{app!r} has no service interface; choose one of: {', '.join(services)}")
        apps.get_app_config(app)
        others = sorted(name for name in services if name != app and name in {c.label for c in apps.get_app_configs()})
        folder = Path(settings.BASE_DIR) / "extracted" / app
        folder.mkdir(parents=True, exist_ok=True)
        (folder.parent / "__init__.py").touch()
        for name, template in FILES.items():
            path = folder / name
            if path.exists() and not options["force"]:
                self.stdout.write(f"kept      {path.relative_to(settings.BASE_DIR)}")
                continue
            path.write_text(template.format(app=app))
            self.stdout.write(f"wrote     {path.relative_to(settings.BASE_DIR)}")
        self.stdout.write(
            "\nLeft to do (docs/extraction.md):\n"
            "  1. create the service's database and run:\n"
            f"     DJANGO_SETTINGS_MODULE=extracted.{app}.settings manage.py migrate\n"
            "  2. in the monolith:\n"
            f"     manage.py tokendealer_client create {app}-service --audience {' --audience '.join(others)}\n"
            f"  3. stop the monolith's writes to {app} (maintenance window), then copy its tables:\n"
            f"     RUNNERLY_COPY_FROM_DATABASE_URL=<monolith db> DJANGO_SETTINGS_MODULE=extracted.{app}.settings "
            f"manage.py copy_app_data {app}\n"
            f"  4. start the service's web, worker (-Q {app}) and beat\n"
            f"  5. in the monolith: RUNNERLY_EXTRACTED_APPS={app} SERVICE_ROUTING={app}=http://<service>; restart it\n"
            f"  6. check: manage.py services (the monolith sees {app} answer)"
        )
