"""Recorder plugins: a real plugin package (tests/plugin_example), built and installed
offline into a private directory that only these tests' subprocesses see (PYTHONPATH),
takes effect in the real hook process; without plugins the hook imports no pluggy."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HOOK, event, post, pre, query, run_cli, task_input

from recorder.plugins import cache as plugin_cache

EXAMPLE = Path(__file__).parent / "plugin_example"
SECRET = "ACME-0123456789abcdef"
FLAKY = "All 40 tests pass.\n\nFLAKY-TEST-DETECTED: test_checkout passed on the third retry."
REASON = "example plugin: a flaky test was reported"
LOG = "agent-runs.log"


def install_example(target: Path) -> None:
    """Build the example with the venv's own hatchling (no network) into ``target``."""
    source = target.parent / "plugin_example_source"
    shutil.copytree(EXAMPLE, source)  # the build never writes into the checkout
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "--quiet", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A directory with the example plugin installed in it (put it on PYTHONPATH)."""
    target = tmp_path_factory.mktemp("plugin") / "site"
    install_example(target)
    return target


@pytest.fixture
def env(tmp_path: Path) -> dict:
    """No plugin; a private plugin cache."""
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": "", "AGENT_RUNS_DERIVE": "off"}


@pytest.fixture
def plugin_env(env: dict, installed: Path, tmp_path: Path) -> dict:
    """The example plugin installed, writing its finished-node log into tmp_path."""
    return dict(env, PYTHONPATH=str(installed), AGENT_RUNS_EXAMPLE_LOG=str(tmp_path / "done"))


def hook_imports(db: Path, payload: dict, env: dict) -> set[str]:
    """Run the real hook under ``-X importtime``; the modules it imported."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", HOOK, "--db", str(db)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        env=dict(os.environ, **env),
    )
    assert result.returncode == 0 and result.stdout == b"", result.stderr
    # Derivation (where classify_outcome and node_finished run): the worker the hook would
    # start, run to its end in the same environment (AGENT_RUNS_DERIVE=off: no race with it).
    derived = subprocess.run(
        [sys.executable, "-c", "from recorder.derive import worker; worker.main()", str(db)],
        capture_output=True,
        timeout=60,
        env=dict(os.environ, **env),
    )
    assert derived.returncode == 0 and derived.stdout == b"", derived.stderr
    lines = result.stderr.decode().splitlines()
    return {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}


def finished_notices(env: dict) -> list[dict]:
    """What the example plugin's node_finished wrote."""
    lines = Path(env["AGENT_RUNS_EXAMPLE_LOG"]).read_text().splitlines()
    return [json.loads(line) for line in lines]


def node(db: Path, tool_use_id: str) -> dict:
    (row,) = query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))
    return row


def test_without_plugins_the_hook_imports_neither_pluggy_nor_importlib_metadata(db, env):
    listed = run_cli("plugins", "--json", env=env)  # any CLI run refreshes the cache
    assert listed.returncode == 0, listed.stderr
    (builtin,) = json.loads(listed.stdout)
    assert builtin["kind"] == "built-in"
    assert builtin["hooks"] == ["classify_outcome", "redact_text"]

    imported = hook_imports(db, post("toolu_plain", text=FLAKY), env)
    assert "recorder.plugins.calls" in imported  # the measurement sees our modules
    assert not {"pluggy", "importlib.metadata", "recorder.plugins.loading"} & imported
    # Nor what only the CLI, prune, bulk builds and the pages use.
    assert not {"sqlite_utils", "click", "markdown_it", "nh3", "datasette"} & imported
    assert node(db, "toolu_plain")["outcome"] == "success"  # the built-in rules decided


def test_the_hook_fills_a_missing_cache_once(db, env, tmp_path):
    first = hook_imports(db, post("toolu_1"), env)
    assert "importlib.metadata" in first and "pluggy" not in first
    assert list((tmp_path / "cache" / "agent-runs").glob("plugins-*.json"))
    second = hook_imports(db, post("toolu_2"), env)
    assert not {"pluggy", "importlib.metadata"} & second


def test_each_hook_of_an_installed_plugin_takes_effect(db, plugin_env):
    secret_input = task_input(f"Check {SECRET}", f"use key {SECRET}", "qa")
    payloads = [
        event("UserPromptSubmit", prompt=f"deploy with {SECRET}", prompt_id="p1"),
        pre("toolu_flaky", tool_input=secret_input, prompt_id="p1"),
        post(
            "toolu_flaky", text=f"{FLAKY}\nkey: {SECRET}", tool_input=secret_input, prompt_id="p1"
        ),
        post("toolu_fine", text=f"Done, key {SECRET} rotated.", prompt_id="p1"),
        event("Stop"),
    ]
    imported = hook_imports(db, payloads[0], plugin_env)
    assert {"pluggy", "recorder.plugins.loading"} <= imported
    for payload in payloads[1:]:
        hook_imports(db, payload, plugin_env)

    # classify_outcome: the plugin's rule overrides a report the built-ins call a success
    flaky, fine = node(db, "toolu_flaky"), node(db, "toolu_fine")
    assert (flaky["status"], flaky["outcome"], flaky["outcome_reason"]) == (
        "failed",
        "failure",
        REASON,
    )
    assert (fine["status"], fine["outcome"]) == ("completed", "success")

    # redact_text: the custom key is gone from every stored byte, replaced by its marker
    dump = "\n".join(_dump(db))
    assert SECRET not in dump and "[REDACTED:acme]" in dump
    for path in db.parent.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name
    assert "[REDACTED:acme]" in flaky["result_text"] and "[REDACTED:acme]" in flaky["prompt"]

    # node_finished: one notice per finished node, with its stored row, from the derivation
    # that finished it (here two `sync` runs, as two workers would)
    done = finished_notices(plugin_env)
    assert [(d["id"], d["tool_use_id"], d["outcome_reason"]) for d in done] == [
        (flaky["id"], "toolu_flaky", REASON),
        (fine["id"], "toolu_fine", fine["outcome_reason"]),
    ]
    assert len({d["pid"] for d in done}) == 2

    # register_commands: the plugin's subcommand runs through `agent-runs`
    command = run_cli("example-finished", plugin_env["AGENT_RUNS_EXAMPLE_LOG"], env=plugin_env)
    assert command.returncode == 0, command.stderr
    assert command.stdout.strip() == "completed: 1, failed: 1"

    listed = run_cli("plugins", env=plugin_env)
    assert listed.returncode == 0, listed.stderr
    assert (
        "example  [third-party: agent-runs-example 0.1.0, agent_runs_example]  "
        "classify_outcome, node_finished, redact_text, register_commands"
    ) in listed.stdout.splitlines()


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_a_plugin_that_raises_in_every_hook_loses_no_event(db, plugin_env):
    hooks = "classify_outcome,redact_text,node_finished,register_commands"
    failing = dict(plugin_env, AGENT_RUNS_EXAMPLE_RAISE=hooks)
    hook_imports(db, pre("toolu_x"), failing)
    hook_imports(db, post("toolu_x", text=FLAKY), failing)

    recorded = node(db, "toolu_x")
    assert (recorded["status"], recorded["outcome"]) == ("completed", "success")
    log = (db.parent / LOG).read_text()
    for hook in ("classify_outcome", "redact_text", "node_finished"):
        assert f"plugin example failed in {hook}: RuntimeError" in log, hook
    assert not Path(plugin_env["AGENT_RUNS_EXAMPLE_LOG"]).exists()

    stats = run_cli("stats", "--db", str(db), env=failing)
    assert stats.returncode == 0, stats.stderr
    assert "plugin example failed in register_commands" in stats.stderr
    assert "example-finished" not in run_cli("--help", env=failing).stdout


def test_removing_the_plugin_is_noticed_and_the_hook_drops_pluggy(db, env, tmp_path):
    site = tmp_path / "site"
    install_example(site)
    with_plugin = dict(env, PYTHONPATH=str(site))
    assert "pluggy" in hook_imports(db, post("toolu_a", text=FLAKY), with_plugin)
    assert node(db, "toolu_a")["outcome_reason"] == REASON

    for installed_path in site.iterdir():  # what `pip uninstall` does
        shutil.rmtree(installed_path)
    rescanned = hook_imports(db, post("toolu_b", text=FLAKY), with_plugin)
    assert "importlib.metadata" in rescanned and "pluggy" not in rescanned
    assert node(db, "toolu_b")["outcome"] == "success"
    again = hook_imports(db, post("toolu_c", text=FLAKY), with_plugin)
    assert not {"pluggy", "importlib.metadata"} & again


def test_each_sys_path_keeps_its_own_cache_entry(db, env, plugin_env):
    for round_ in range(2):
        with_plugin = hook_imports(db, post(f"toolu_p{round_}", text=FLAKY), plugin_env)
        without = hook_imports(db, post(f"toolu_n{round_}", text=FLAKY), env)
        if round_:  # the second round finds both entries cached: no rescans
            assert "importlib.metadata" not in with_plugin | without
        assert "pluggy" in with_plugin and "pluggy" not in without
    assert node(db, "toolu_p1")["outcome_reason"] == REASON
    assert node(db, "toolu_n1")["outcome"] == "success"


def test_each_environment_has_its_own_cache_file():
    assert plugin_cache.cache_file("/srv/a/.venv") != plugin_cache.cache_file("/srv/b/.venv")


def test_a_corrupt_or_unwritable_cache_is_survived(db, plugin_env, tmp_path):
    cache_dir = Path(plugin_env["XDG_CACHE_HOME"]) / "agent-runs"
    hook_imports(db, post("toolu_1", text=FLAKY), plugin_env)
    (cache_file,) = cache_dir.glob("plugins-*.json")
    cache_file.write_bytes(b'{"format": 1, "entries": {"\x00\xff')
    hook_imports(db, post("toolu_2", text=FLAKY), plugin_env)
    assert json.loads(cache_file.read_text())["format"] == 1  # rewritten

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory would go")
    unwritable = dict(plugin_env, XDG_CACHE_HOME=str(blocked))
    for tool_use_id in ("toolu_3", "toolu_4"):
        assert "importlib.metadata" in hook_imports(db, post(tool_use_id, text=FLAKY), unwritable)
    reasons = {node(db, f"toolu_{i}")["outcome_reason"] for i in range(1, 5)}
    assert reasons == {REASON}
    assert not (db.parent / LOG).exists()


def test_a_plugin_that_cannot_be_imported_is_reported_and_skipped(db, env, tmp_path):
    site = tmp_path / "broken-site"
    info = site / "broken_plugin-1.0.dist-info"  # an installed distribution, as pip leaves it
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[agent_runs]\nbroken = no_such_module_here\n")
    broken = dict(env, PYTHONPATH=str(site))

    hook_imports(db, post("toolu_b", text=FLAKY), broken)
    assert node(db, "toolu_b")["outcome"] == "success"
    assert "plugin broken (no_such_module_here) not loaded" in (db.parent / LOG).read_text()

    listed = run_cli("plugins", "--json", env=broken)
    assert listed.returncode == 0 and "plugin broken" in listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert (rows["broken"]["loaded"], rows["broken"]["version"]) == (False, "1.0")


def test_an_abandoned_node_without_tool_use_id_is_notified(db, plugin_env):
    hook_imports(db, pre("toolu_elf"), plugin_env)
    conn = sqlite3.connect(db)  # as ELF recorded its nodes: no tool_use_id
    with conn:
        conn.execute("UPDATE node_executions SET tool_use_id = NULL")
    conn.close()
    hook_imports(db, event("SessionEnd", reason="logout"), plugin_env)

    (done,) = finished_notices(plugin_env)
    (row,) = query(db, "SELECT id, status FROM node_executions")
    assert (done["id"], done["status"], done["tool_use_id"]) == (row["id"], "abandoned", None)
    assert row["status"] == "abandoned"
