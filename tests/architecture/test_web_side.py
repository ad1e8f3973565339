"""The web side of each app that can be lifted out imports none of its internals (see web_side.py).

What the app's service runs (and what is disabled with the app extracted) is listed below; every other module of
the app is web side and checked, so a new module is checked until it is said to be the service's.
"""

from __future__ import annotations

import pytest

from tests.architecture import web_side

SERVICE_SIDE = [
    "models.py",
    "operations.py",
    "queries.py",
    "tasks.py",
    "subscribers.py",
    "admin.py",  # disabled when the app is extracted
    "apps.py",
    "interface/local.py",
    "interface/testing.py",  # other apps' tests use it
    "management/**/*.py",
    "migrations/*.py",
]
APPS = {
    # app: (its own service-side modules, its own internals, web-side modules that must be there)
    "runs": ([], [], {"charts.py"}),
    "imports": (["importer.py", "parsers.py"], ["importer"], {"uploads.py"}),
    "races": ([], [], set()),
    "plans": (["fixtures_loader.py"], [], {"feed.py"}),
}


@pytest.mark.parametrize("app", sorted(APPS))
def test_no_web_side_module_imports_the_apps_models_operations_queries_or_tasks(app):
    service_side, internals, expected = APPS[app]
    modules = web_side.web_side(app, service_side=[*SERVICE_SIDE, *service_side])
    names = {str(path.relative_to(web_side.ROOT / "apps" / app)) for path in modules}
    assert {"views.py", "forms.py", "urls.py", "api/views.py", *expected} <= names
    assert not {"models.py", "operations.py", "interface/local.py", "admin.py"} & names
    offending = web_side.offences(app, modules, internals=[*web_side.INTERNALS, *internals])
    assert offending == [], f"the web side must reach {app} through its service only:\n" + "\n".join(offending)


def test_the_check_sees_each_way_of_importing_an_internal(tmp_path):
    app = tmp_path / "apps" / "demo"
    (app / "api").mkdir(parents=True)
    (app / "interface").mkdir()
    for name in ("__init__.py", "api/__init__.py", "interface/__init__.py", "models.py", "forms.py"):
        (app / name).write_text("")
    (app / "interface" / "local.py").write_text("from apps.demo.models import Thing\n")
    (app / "helpers.py").write_text("from . import operations\n")
    (app / "views.py").write_text(
        "import apps.demo.models\n"
        "from apps.demo import operations, forms\n"
        "from apps.demo.queries import visible\n"
        "from .tasks import later\n"
        "def f():\n"
        "    from apps.demo.interface.local import LocalDemoService\n"
        "from apps.demo.interface import contracts\n"
        "from . import helpers\n"
    )
    (app / "api" / "views.py").write_text("from ..models import Thing\nfrom .. import forms\n")
    modules = web_side.web_side("demo", service_side=SERVICE_SIDE, root=tmp_path)
    assert [str(path.relative_to(app)) for path in modules] == [
        "__init__.py",
        "api/__init__.py",
        "api/views.py",
        "forms.py",
        "helpers.py",
        "interface/__init__.py",
        "views.py",
    ]
    assert web_side.offences("demo", modules, root=tmp_path) == [
        "apps/demo/api/views.py:1 imports apps.demo.models",
        "apps/demo/api/views.py:1 imports apps.demo.models.Thing",
        "apps/demo/helpers.py:1 imports apps.demo.operations",
        "apps/demo/views.py:1 imports apps.demo.models",
        "apps/demo/views.py:2 imports apps.demo.operations",
        "apps/demo/views.py:3 imports apps.demo.queries",
        "apps/demo/views.py:3 imports apps.demo.queries.visible",
        "apps/demo/views.py:4 imports apps.demo.tasks",
        "apps/demo/views.py:4 imports apps.demo.tasks.later",
        "apps/demo/views.py:6 imports apps.demo.interface.local",
        "apps/demo/views.py:6 imports apps.demo.interface.local.LocalDemoService",
        "apps/demo/views.py:8 imports apps.demo.helpers -> apps.demo.operations",
    ]
    # Through a module that is no internal itself: the local implementation reaches the models.
    assert web_side.offences("demo", [app / "views.py"], internals=["models"], root=tmp_path) == [
        "apps/demo/views.py:1 imports apps.demo.models",
        "apps/demo/views.py:6 imports apps.demo.interface.local -> apps.demo.models",
        "apps/demo/views.py:6 imports apps.demo.interface.local -> apps.demo.models.Thing",
    ]
