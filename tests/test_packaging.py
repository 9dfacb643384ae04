"""A plain (non-editable) install carries everything a checkout has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
# The real Claude Code binary, when this machine has it (override with $CLAUDE_CODE_BINARY).
CLAUDE = Path(os.environ.get("CLAUDE_CODE_BINARY", "/work/cc/package/claude"))


def test_wheel_contains_code_sql_metadata_and_canned_queries(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("agent_runs-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "recorder/data/metadata.yml",
        "recorder/hook/entry.py",
        "datasette_plugins/agent_runs.py",
    }
    expected |= {
        f"recorder/schema/sql/{p.name}"
        for p in (ROOT / "recorder" / "schema" / "sql").glob("*.sql")
    }
    expected |= {
        f"recorder/data/canned_queries/{p.name}" for p in (ROOT / "canned_queries").glob("*.sql")
    }
    assert expected <= names, sorted(expected - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "agent-runs-hook = recorder.hook.entry:run" in text
    assert "agent_runs = datasette_plugins.agent_runs" in text


def test_wheel_metadata_has_the_license_classifiers_and_urls(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("agent_runs-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Classifier: Framework :: Datasette" in metadata
    assert "Project-URL: Source, " in metadata and "Project-URL: Issues, " in metadata
    (license_name,) = [n for n in names if n.endswith("licenses/LICENSE")]
    text = archive.read(license_name).decode()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert (ROOT / "LICENSE").read_text() == text
    assert {
        "datasette_plugins/templates/overrides/query.html",
        "datasette_plugins/templates/overrides/database.html",
    } <= names


def test_claude_code_plugin_registers_what_install_hooks_does():
    from recorder.ops import install

    manifest = json.loads((ROOT / "hooks" / ".claude-plugin" / "plugin.json").read_text())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert manifest["name"] == pyproject["name"] and manifest["version"] == pyproject["version"]
    assert manifest["license"] == pyproject["license"]
    hooks_file = ROOT / "hooks" / manifest["hooks"]
    declared = json.loads(hooks_file.read_text())["hooks"]
    assert declared == install.merged({}, install.HOOK_EXECUTABLE)["hooks"]
    commands = {h["command"] for groups in declared.values() for g in groups for h in g["hooks"]}
    assert commands == {"agent-runs-hook"}  # the console script the package installs


@pytest.mark.skipif(not CLAUDE.exists(), reason=f"Claude Code is not at {CLAUDE}")
def test_real_claude_code_validates_the_plugin():
    done = subprocess.run(
        [str(CLAUDE), "plugin", "validate", str(ROOT / "hooks")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation passed" in done.stdout
    assert "PreToolUse Task|Agent command agent-runs-hook" in done.stdout
