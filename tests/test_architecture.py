"""The layer rules of ARCHITECTURE.md, checked on the source: a layer that imports one it must not fails here.

Imports are read with ``ast`` (module-level and inside functions alike), so the test does not depend on
what happens to be imported at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("analytics", "db", "services", "jobs", "api", "ui", "views")
FIRST_PARTY = {*LAYERS, "app", "server", "bench", "tests"}

# Which first-party layers each layer may import (itself included).
MAY_IMPORT: dict[str, set[str]] = {
    "analytics": {"analytics"},
    "db": {"db", "analytics"},
    "services": {"services", "db", "analytics"},
    "jobs": {"jobs", "services", "db", "analytics"},
    # The HTTP API: routes that parse JSON and call services, like a job; never pages or Streamlit.
    "api": {"api", "services", "db", "analytics"},
    "ui": {"ui", "services", "db", "analytics"},
    "views": {"views", "ui", "services", "db", "analytics"},
    "app": {"ui", "services", "db", "analytics"},
    # The web server around app.py: the cookie routes and headers (ui/auth.py names the routes).
    "server": {"api", "ui", "services", "db", "analytics"},
}
# db/ stores and reads; it runs no model, no statistical test and no redaction. Of analytics/ it uses
# only these modules, for their record types, constants and small pure helpers.
DB_MAY_USE_FROM_ANALYTICS = {
    "analytics.vocabulary",  # categories and who set them
    "analytics.hashing",  # content and dedup keys
    "analytics.bulk",  # the collector pause during bulk writes
    "analytics.progress",  # the shape of a progress report
    "analytics.importing",  # Prepared, the checked rows of a file
    "analytics.evidence",  # the verification rule an item's status obeys
    "analytics.topic_labels",  # a topic's display label
    "analytics.topics",  # TopicResult, the shape a stored run is read back into
    "analytics.questions",  # QuestionSpec, the record a stored question is read back into
}
STREAMLIT_ALLOWED = {"ui", "views", "app", "server"}


def _python_files() -> Iterator[tuple[str, Path]]:
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "migrations" not in path.parts:
                yield layer, path
    yield "app", ROOT / "app.py"
    yield "server", ROOT / "server.py"


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            # "from db import topic_runs" imports the module db.topic_runs
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _existing_module(name: str) -> str | None:
    """`name` if it is a first-party module (a file or package here), else None."""
    parts = name.split(".")
    if parts[0] not in FIRST_PARTY:
        return None
    path = ROOT.joinpath(*parts)
    if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
        return name
    return None


def _violations() -> list[str]:
    found = []
    for layer, path in _python_files():
        where = path.relative_to(ROOT)
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top == "streamlit" and layer not in STREAMLIT_ALLOWED:
                found.append(f"{where}:{line} imports streamlit ({layer}/ never does)")
            if top in FIRST_PARTY and top not in MAY_IMPORT[layer] and _existing_module(name):
                found.append(
                    f"{where}:{line} imports {name} ({layer}/ may import {sorted(MAY_IMPORT[layer])})"
                )
            if layer == "db" and top == "analytics" and "." in name and _existing_module(name):
                module = ".".join(name.split(".")[:2])
                if module not in DB_MAY_USE_FROM_ANALYTICS:
                    found.append(f"{where}:{line} imports {name} (db/ runs no models, tests or redaction)")
            if layer in ("views", "app") and top == "sqlalchemy" and not name.startswith("sqlalchemy.exc"):
                found.append(f"{where}:{line} imports {name} (pages call repository functions, no SQL)")
    return sorted(set(found))


def test_every_layer_imports_only_what_it_may():
    assert _violations() == []


def _graph() -> dict[str, set[str]]:
    """First-party module -> the first-party modules it imports at module level (what Python runs)."""
    graph: dict[str, set[str]] = {}
    for _, path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in tree.body:
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            edges.update(m for m in map(_existing_module, names) if m is not None)
        graph[_module_name(path)] = edges - {_module_name(path)}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if state.get(nxt) is None and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None and (found := visit(node)) is not None:
            return found
    return None


def test_no_module_imports_itself_through_others():
    assert _cycle(_graph()) is None


@pytest.mark.parametrize(
    ("layer", "source", "complaint"),
    [
        ("analytics", "from db.models import Feedback\n", "analytics/ may import ['analytics']"),
        ("db", "from services.pain_points import analyse_scope\n", "db/ may import"),
        ("db", "from analytics.pii import redact\n", "db/ runs no models, tests or redaction"),
        ("services", "import streamlit as st\n", "never does"),
        ("views", "from sqlalchemy import select\n", "no SQL"),
    ],
)
def test_the_rules_catch_a_wrong_import(tmp_path, monkeypatch, layer, source, complaint):
    """The checker itself: a file that breaks a rule is reported (so the test above can fail)."""
    fake = tmp_path / layer / "offender.py"
    fake.parent.mkdir()
    fake.write_text(source, encoding="utf-8")
    monkeypatch.setattr("tests.test_architecture._python_files", lambda: iter([(layer, fake)]), raising=True)
    monkeypatch.setattr("tests.test_architecture.ROOT", tmp_path)
    for package in ("db", "services", "analytics"):  # the imported modules must exist to count
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for module in ("db/models.py", "services/pain_points.py", "analytics/pii.py"):
        (tmp_path / module).write_text("")
    assert any(complaint in v for v in _violations())


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
