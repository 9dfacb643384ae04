"""The recorder's folders keep their places: what each may import, and no import circle.

Imports are read with ``ast`` from every module, at module level and inside functions
alike (a lazy import is still a dependency). The last test runs the real hook and
lists what it really imported.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HOOK, post

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "recorder"
# What a module of each folder may import from the recorder, besides the standard library.
ALLOWED = {
    "hook": ("recorder.hook", "recorder.redaction", "recorder.schema", "recorder.plugins.calls"),
    "redaction": ("recorder.redaction",),
    "schema": ("recorder.schema",),
}
# What the hook must not import on a normal event (derivation runs in the worker).
NOT_ON_THE_HOOK_PATH = ("recorder.derive", "recorder.sources", "recorder.sinks", "recorder.ops")
# Standard modules of other Python versions than this one (sha256 moved to _sha2 in 3.12).
OTHER_VERSIONS = frozenset({"_sha256", "_sha2"})


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the recorder by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """The modules ``path`` imports anywhere in it, as absolute dotted names.

    ``from package import name`` counts as importing ``package.name`` when that is a
    module of the recorder, else as importing ``package``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ours = modules()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in ours else base)
    return found


def is_within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def standard(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or top in OTHER_VERSIONS or module == "__future__"


def stray_imports(folder: str) -> list[str]:
    """``module imports other`` for each import outside what ``folder`` may use."""
    stray = []
    for name, path in modules().items():
        if not is_within(name, (f"recorder.{folder}",)):
            continue
        for other in sorted(imported(name, path)):
            if not (standard(other) or is_within(other, ALLOWED[folder])):
                stray.append(f"{name} imports {other}")
    return stray


def test_the_modules_are_found():
    found = modules()
    assert {"recorder.hook.entry", "recorder.hook.keep", "recorder.derive.store"} <= set(found)
    assert "recorder.schema.queries" in imported("recorder.hook.keep", found["recorder.hook.keep"])


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_each_folder_imports_only_the_standard_library_and_what_it_may(folder):
    assert stray_imports(folder) == []


def test_a_stray_import_is_caught(tmp_path, monkeypatch):
    """The rule can fail: a hook module importing derivation (even lazily) is reported."""
    fake = tmp_path / "recorder"
    (fake / "hook").mkdir(parents=True)
    (fake / "derive").mkdir()
    for path in ("__init__.py", "hook/__init__.py", "derive/__init__.py", "derive/store.py"):
        (fake / path).write_text("")
    (fake / "hook" / "bad.py").write_text(
        "import json\n\ndef later():\n    from recorder.derive import store\n    import click\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert stray_imports("hook") == [
        "recorder.hook.bad imports click",
        "recorder.hook.bad imports recorder.derive.store",
    ]


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as the path that closes it), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                return stack[stack.index(other) :] + [other]
            if other not in state and (found := visit(other)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def import_graph() -> dict[str, set[str]]:
    """Which recorder modules each recorder module imports (packages count as modules)."""
    found = modules()
    return {
        name: {other for other in imported(name, path) if other in found and other != name}
        for name, path in found.items()
    }


def test_no_import_circle_among_the_recorders_modules():
    found = circle(import_graph())
    assert found is None, "import circle: " + " -> ".join(found)


def test_a_circle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"b"}, "d": set()}
    assert circle(graph) == ["b", "c", "b"]
    assert circle({"a": {"b"}, "b": set()}) is None


def test_the_hook_imports_no_derivation_source_sink_ops_module_nor_pluggy(db, tmp_path):
    """A normal event, through the real console script, under ``-X importtime``."""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), AGENT_RUNS_DERIVE="off")
    names = set()
    for payload in (post("toolu_layout_1"), post("toolu_layout_2")):  # the 2nd: a warm cache
        result = subprocess.run(
            [sys.executable, "-X", "importtime", HOOK, "--db", str(db)],
            input=json.dumps(payload).encode(),
            capture_output=True,
            timeout=60,
            env=env,
        )
        assert result.returncode == 0 and result.stdout == b"", result.stderr
        lines = result.stderr.decode().splitlines()
        last = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import")}
        names |= last
    assert {"recorder.hook.entry", "recorder.hook.keep", "recorder.plugins.calls"} <= names
    assert sorted(n for n in names if is_within(n, NOT_ON_THE_HOOK_PATH)) == []
    assert "pluggy" not in names and "recorder.plugins.loading" not in names
    # A normal event in a database already made: beyond the recorder, only what `python -c
    # "import sqlite3, json"` (the latency baseline) imports, and zlib for the kept events.
    baseline = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sqlite3, json"],
        capture_output=True,
        timeout=60,
        check=True,
    ).stderr.decode()
    expected = {line.rsplit("|", 1)[1].strip() for line in baseline.splitlines()}
    extra = {n for n in last if n.split(".")[0] != "recorder"} - expected
    assert extra == {"zlib"}, extra
