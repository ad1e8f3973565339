"""Which modules of an app a page may import: the web side reaches the app's data through its interface only.

An app that can be lifted out (settings.EXTRACTED_APPS) has a web side (views, forms, urls, its API, the interface
the pages call) and a service side (models, operations, queries, tasks, what runs only inside the service). No
web-side module may import a service-side internal, directly or through another module of the app.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INTERNALS = ("models", "operations", "queries", "tasks", "interface.local")


def module_name(path: Path, *, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, *, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in `source`, at any depth, relative ones resolved against `package`;
    `from x import y` names both x and x.y (y may be a module)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, base), *((node.lineno, f"{base}.{alias.name}") for alias in node.names)]
    return found


def web_side(app: str, *, service_side: Iterable[str], root: Path = ROOT) -> list[Path]:
    """Every module of apps/<app> but those matched by `service_side` (globs relative to the app's folder)."""
    folder = root / "apps" / app
    excluded = {path for pattern in service_side for path in folder.glob(pattern)}
    return sorted(set(folder.rglob("*.py")) - excluded)


def offences(app: str, paths: Iterable[Path], *, internals: Iterable[str] = INTERNALS, root: Path = ROOT) -> list[str]:
    """`path:line imports a -> ... -> internal` for each internal of apps.<app> that a module in `paths` reaches,
    directly or through the other modules of the app it imports."""
    forbidden = tuple(f"apps.{app}.{internal}" for internal in internals)
    found = set()
    for start in paths:
        seen = {start}
        stack: list[tuple[Path, int | None, tuple[str, ...]]] = [(start, None, ())]
        while stack:
            path, line, chain = stack.pop()
            module = module_name(path, root=root)
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for lineno, name in imported_modules(path.read_text(), package=package):
                at = lineno if line is None else line  # the line of the start module that leads here
                if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                    found.add(f"{start.relative_to(root)}:{at} imports {' -> '.join([*chain, name])}")
                    continue
                target = _path_of(name, app=app, root=root)
                if target is not None and target not in seen:
                    seen.add(target)
                    stack.append((target, at, (*chain, name)))
    return sorted(found)


def _path_of(module: str, *, app: str, root: Path) -> Path | None:
    """The file of `module` if it is a module of apps.<app>."""
    if module != f"apps.{app}" and not module.startswith(f"apps.{app}."):
        return None
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None
