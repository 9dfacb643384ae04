"""Recorded data is readable by its owner only (issue 15, item 5)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat

import pytest
from conftest import post, pre, run_cli, settle

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_every_file_the_hook_writes_is_private(db, hook):
    hook(pre("toolu_a"))  # creates the folder, the database and its WAL
    hook(b"{not json")  # a dead letter and a log line
    reader = sqlite3.connect(db)  # keeps -wal and -shm in place until the end
    reader.execute("SELECT count(*) FROM node_executions").fetchone()
    locker = sqlite3.connect(db)
    locker.execute("BEGIN EXCLUSIVE")
    try:  # looked at while the lock holds: a lingering worker may claim the spool, not end it
        hook(post("toolu_a"), env={"AGENT_RUNS_HOOK_TIMEOUT": "0.05"})  # spooled
        names = sorted(p.name for p in db.parent.iterdir())
        for name in ("index.db", "index.db-wal", "index.db-shm", "agent-runs.log",
                     "agent-runs-dead-letters.ndjson"):  # fmt: skip
            assert name in names
        assert any(name.startswith("agent-runs-spool.ndjson") for name in names), names
        for path in db.parent.iterdir():
            with contextlib.suppress(FileNotFoundError):  # claimed (renamed) meanwhile
                assert mode(path) == 0o600, (path.name, oct(mode(path)))
    finally:
        locker.rollback()
        locker.close()
    assert mode(db.parent) == 0o700
    reader.close()


def test_doctor_names_files_others_can_read_and_fix_tightens_them(db, hook, tmp_path):
    hook(pre("toolu_a"))
    hook(b"junk")
    settle(db)  # the derivation worker is done writing (its WAL made while the file was private)
    for name in ("index.db", "agent-runs.log", "agent-runs-dead-letters.ndjson"):
        os.chmod(db.parent / name, 0o644)
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    doctor = run_cli("doctor", "--db", str(db), env=env)
    (line,) = [x for x in doctor.stdout.splitlines() if "permissions" in x]
    assert line.startswith("FAIL  permissions: readable by others:")
    assert str(db) in line and "agent-runs.log" in line and "doctor --fix" in line
    fixed = run_cli("doctor", "--fix", "--db", str(db), env=env)
    for name in ("index.db", "agent-runs.log", "agent-runs-dead-letters.ndjson"):
        # (SQLite gives a -wal or -shm it makes afresh the database's mode: fixed too)
        assert f"fixed {db.parent / name}: now readable by its owner only" in fixed.stdout
    assert all(mode(p) == 0o600 for p in db.parent.iterdir() if p.is_file())
    again = run_cli("doctor", "--db", str(db), env=env)
    assert "ok    permissions:" in again.stdout
