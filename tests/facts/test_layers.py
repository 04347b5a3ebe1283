"""The facts app sits just above core: its producers and consumers are above it, and it
imports none of them, not even inside a function (lint-imports checks the same for every
app; this says it for the outbox on its own)."""

import ast
from pathlib import Path

import apps.facts

ALLOWED = ("apps.core", "apps.facts")


def imported_apps(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name == "apps" or name.startswith("apps.")}


def test_the_facts_app_imports_no_higher_app():
    root = Path(apps.facts.__file__).parent
    found = {
        str(path.relative_to(root)): sorted(name for name in imported_apps(path) if not name.startswith(ALLOWED))
        for path in sorted(root.rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}
