"""Boundaries that import-linter cannot see: relations between apps' models, and apps.get_model across apps."""

import ast
from pathlib import Path

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

ROOT = Path(__file__).resolve().parents[2]


def _our_app_labels() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name.startswith("apps.")}


def cross_app_relations(model_classes, our_labels) -> list[str]:
    """Relation fields declared on one of our apps' models that point into another of our apps."""
    found = []
    for model in model_classes:
        own = model._meta.app_label
        if own not in our_labels:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model._meta.app_label
            if target != own and target in our_labels:
                found.append(f"{own}.{model.__name__}.{field.name} -> {target}.{field.related_model.__name__}")
    return found


def test_no_model_relates_to_another_apps_model():
    assert cross_app_relations(apps.get_models(include_auto_created=True), _our_app_labels()) == []


@isolate_apps("project.events")
def test_the_relation_check_catches_a_foreign_key_to_another_app():
    from apps.accounts.models import User

    class Note(models.Model):
        author = models.ForeignKey(User, on_delete=models.CASCADE)

        class Meta:
            app_label = "events"

    assert cross_app_relations([Note], {"accounts", "events"}) == ["events.Note.author -> accounts.User"]


def _get_model_calls(source: str) -> list[str]:
    """The app labels named by apps.get_model("label.Model") or get_model("label", "Model") calls."""
    labels = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name != "get_model" or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        labels.append(str(node.args[0].value).split(".")[0])
    return labels


def _app_sources():
    for app_dir in sorted((ROOT / "apps").iterdir()):
        if app_dir.is_dir() and (app_dir / "apps.py").exists():
            yield app_dir.name, sorted(app_dir.rglob("*.py"))


def test_no_app_fetches_another_apps_model_by_name():
    sources = list(_app_sources())
    assert [label for label, _ in sources] == sorted(_our_app_labels())
    offenders = [
        f"{path.relative_to(ROOT)}: get_model({other!r}...)"
        for label, files in sources
        for path in files
        for other in _get_model_calls(path.read_text())
        if other != label
    ]
    assert offenders == []


def test_the_get_model_check_catches_a_lookup_across_apps():
    source = "from django.apps import apps\nUser = apps.get_model('accounts.User')\nRun = get_model('runs', 'Run')\n"
    assert _get_model_calls(source) == ["accounts", "runs"]
