"""Each app's page in docs/apps/ lists exactly the methods of its interface, in its "Interface" table: a method
added, renamed or dropped without its line in the docs fails here."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(path.parents[1].name for path in (ROOT / "apps").glob("*/interface/service.py"))


def _interface_methods(app: str) -> set[str]:
    tree = ast.parse((ROOT / "apps" / app / "interface" / "service.py").read_text())
    services = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name.endswith("Service")]
    return {
        item.name
        for service in services
        for item in service.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
    }


def _documented_methods(app: str) -> set[str]:
    page = (ROOT / "docs" / "apps" / f"{app}.md").read_text()
    section = page.partition("\n## Interface")[2].partition("\n## ")[0]
    return set(re.findall(r"^\| `(\w+)\(", section, flags=re.MULTILINE))


def test_every_app_with_an_interface_has_a_page():
    assert APPS, "no interface found: the test looks in the wrong place"
    assert [app for app in APPS if not (ROOT / "docs" / "apps" / f"{app}.md").exists()] == []


@pytest.mark.parametrize("app", APPS)
def test_the_apps_page_names_exactly_its_interfaces_methods(app):
    methods = _interface_methods(app)
    assert methods, f"{app}: no public method found on its service class"
    assert _documented_methods(app) == methods
