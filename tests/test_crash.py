"""Writers killed with SIGKILL at random points: the database stays sound, nothing acknowledged
is lost, and spool files a killed replay had claimed are taken over by the next run.

A hook counts as acknowledged when it exited 0; the batch writer (tests/workload.py, the
recorder API) acknowledges a batch by printing a line after its commit. Random points come
from a fixed seed, so every run kills at the same offsets.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CLI, HOOK, post, query, run_cli
from test_hook_resilience import tool_use_ids
from workload import pair_payloads

from recorder.hook import database, paths, replay, spool
from recorder.hook.handle import REPLAY_BATCH

ITERATIONS = 30
WORKLOAD = str(Path(__file__).with_name("workload.py"))


def integrity(db) -> str:
    return query(db, "PRAGMA integrity_check")[0]["integrity_check"]


def start_hook(db, payload: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [HOOK, "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    process.stdin.write(json.dumps(payload).encode())
    process.stdin.close()
    return process


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def acknowledged_output(process: subprocess.Popen) -> bytes | None:
    """The stdout of a hook that exited 0 (acknowledged), None for one that was killed."""
    with process.stdout:
        output = process.stdout.read()
    return output if process.returncode == 0 else None


def test_killed_hooks_leave_a_sound_database_with_every_acknowledged_event(db, hook):
    rng = random.Random(20261129)
    hook(post("toolu_first"))
    acknowledged = {"toolu_first"}
    for i in range(ITERATIONS):
        victim = start_hook(db, post(f"toolu_victim_{i}", text="x" * rng.randrange(10, 200_000)))
        bystander = start_hook(db, post(f"toolu_bystander_{i}", session=f"sess-{i % 3}"))
        time.sleep(rng.uniform(0, 0.06))
        kill(victim)
        bystander.wait(timeout=60)
        for process, role in ((victim, "victim"), (bystander, "bystander")):
            output = acknowledged_output(process)
            if output is not None:
                assert output == b""
                acknowledged.add(f"toolu_{role}_{i}")
        assert integrity(db) == "ok", f"iteration {i}"
        assert acknowledged <= kept(db), f"iteration {i}"
    killed = [i for i in range(ITERATIONS) if f"toolu_victim_{i}" not in acknowledged]
    assert killed, "no hook was killed before it finished: the test proved nothing"
    hook(post("toolu_last"))  # ingests whatever a lock wait made a hook spool
    assert acknowledged <= set(tool_use_ids(db))


def kept(db) -> set[str]:
    """The tool_use_ids in the database or waiting in its spool (a hook's two ways to keep)."""
    spooled = set()
    for path in db.parent.glob("agent-runs-spool*"):
        for line in path.read_text(errors="replace").splitlines():
            try:
                spooled.add(json.loads(line)["tool_use_id"])
            except ValueError:
                continue  # the cut-off line of a hook killed while spooling
    return set(tool_use_ids(db)) | spooled


def test_killed_batch_writer_keeps_every_acknowledged_batch(db):
    rng = random.Random(7)
    acknowledged: list[int] = []
    first = 0
    for i in range(ITERATIONS):
        writer = subprocess.Popen(
            [sys.executable, WORKLOAD, str(db), str(first), "1000", "20"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(rng.randrange(0, 4)):  # let it commit a few batches first
            line = writer.stdout.readline()
            if line.startswith("ack "):
                acknowledged.append(int(line.split()[1]))
        time.sleep(rng.uniform(0, 0.05))
        kill(writer)  # mid-batch: somewhere inside the next transaction or between two
        writer.stdout.close()
        first += 1000
        assert integrity(db) == "ok", f"iteration {i}"
        recorded = set(tool_use_ids(db))
        missing = [
            batch
            for batch in acknowledged
            if not {pair_payloads(batch, n)[1]["tool_use_id"] for n in range(20)} <= recorded
        ]
        assert missing == [], f"iteration {i}"
    assert len(acknowledged) >= ITERATIONS, "too few batches acknowledged to prove anything"


def spool_file(db) -> Path:
    return db.parent / "agent-runs-spool.ndjson"


def test_claims_of_a_killed_replay_are_taken_over_by_the_next_hook(db, hook, monkeypatch):
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no worker claims the spool meanwhile
    rng = random.Random(3)
    hook(post("toolu_seed"))
    events = [post(f"toolu_spooled_{n:03d}", session=f"sess-{n % 7}") for n in range(300)]
    spool_file(db).write_text("".join(json.dumps(e) + "\n" for e in events))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a replay claims the files, then waits for the lock
    try:
        for _ in range(3):  # each replay is killed after it claimed the files
            replay = subprocess.Popen(
                [CLI, "replay", "--db", str(db)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while not list(db.parent.glob("*.claimed")) and replay.poll() is None:
                assert time.monotonic() < deadline, "replay never claimed the spool"
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.2))
            kill(replay)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert integrity(db) == "ok"
    hook(post("toolu_next"))  # takes the claims over, keeps a batch, puts the rest back
    assert not list(db.parent.glob("*.claimed"))
    assert len(tool_use_ids(db)) == 1 + REPLAY_BATCH  # its own event waits behind the rest
    [rest] = db.parent.glob("*.waiting")
    assert len(rest.read_text().splitlines()) == len(events) - REPLAY_BATCH
    assert [
        json.loads(line)["tool_use_id"] for line in spool_file(db).read_text().splitlines()
    ] == ["toolu_next"]
    assert run_cli("replay", "--db", str(db)).returncode == 0  # what a worker would do
    expected = sorted(["toolu_seed", "toolu_next", *(e["tool_use_id"] for e in events)])
    assert tool_use_ids(db) == expected
    assert not list(db.parent.glob("agent-runs-spool*"))


def test_a_live_replay_keeps_its_claim(db, hook, monkeypatch):
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no worker claims the spool first
    hook(post("toolu_seed"))
    spool_file(db).write_text(json.dumps(post("toolu_held")) + "\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from recorder.hook import spool; "
            "print(spool.claim(sys.argv[1], sys.argv[2]), flush=True); sys.stdin.readline()",
            str(db),
            spool_file(db).name,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert ".claimed" in holder.stdout.readline()
        hook(post("toolu_meanwhile"))  # finds the claim, leaves it to its live owner
        assert tool_use_ids(db) == ["toolu_seed"]  # and waits behind it, in the spool
        assert "toolu_meanwhile" in spool_file(db).read_text()
    finally:
        kill(holder)  # the owner dies without finishing
        holder.stdout.close()
    hook(post("toolu_after"))
    assert tool_use_ids(db) == ["toolu_after", "toolu_held", "toolu_meanwhile", "toolu_seed"]


def open_here(path: str) -> bool:
    """Whether this process holds the file at ``path`` open (any descriptor)."""
    try:
        target = os.stat(path)
    except FileNotFoundError:
        return False
    for fd in range(3, 1024):
        try:
            held = os.fstat(fd)
        except OSError:
            continue
        if (held.st_dev, held.st_ino) == (target.st_dev, target.st_ino):
            return True
    return False


@pytest.fixture
def as_on_windows(monkeypatch):
    """Windows' rules for this process: no rename or removal of a file held open (Python's
    ``os.open`` shares no delete access there), and the spool's Windows claim order."""
    if os.name == "nt":
        return  # the real rules
    rename, remove = os.rename, os.remove

    def refusing(real):
        def call(path, *rest):
            if open_here(path):
                raise PermissionError(13, "in use by another handle (as on Windows)", path)
            return real(path, *rest)

        return call

    monkeypatch.setattr(os, "rename", refusing(rename))
    monkeypatch.setattr(os, "remove", refusing(remove))
    monkeypatch.setattr(spool, "RENAMES_OPEN_FILES", False)


def test_the_spool_is_claimed_and_replayed_under_windows_rules(db, as_on_windows):
    """A claim on Windows cannot rename a file it holds open: it renames, then locks. A file a
    writer holds open is left for the next claim, a live claim is never taken over, and a
    release empties the file before it lets go, so nothing is read twice."""
    db.parent.mkdir(parents=True)
    for n in range(3):
        spool.spool(str(db), post(f"toolu_win_{n}"))
    queue = str(spool_file(db))
    writer = os.open(queue, os.O_RDWR | os.O_APPEND)  # a hook appending at this moment
    try:
        assert spool.claim(str(db), paths.SPOOL) == []
    finally:
        os.close(writer)
    (claimed,) = spool.claim(str(db), paths.SPOOL)
    assert spool.claim(str(db), paths.SPOOL) == []  # held by its live owner
    ids = [record["tool_use_id"] for record, _ in spool.read_records(claimed)]
    assert ids == ["toolu_win_0", "toolu_win_1", "toolu_win_2"]
    spool.release(claimed, paths.SPOOL, ["{}"])  # one line not ingested stays, in its place
    [waiting] = db.parent.glob("agent-runs-spool*")
    assert waiting.name.endswith(spool.WAITING_SUFFIX)
    assert paths.received_rank(str(waiting), paths.SPOOL) == paths.received_rank(
        claimed, paths.SPOOL
    )
    assert waiting.read_text() == "{}\n"

    conn = database.connect(str(db))
    try:
        report = replay.replay(conn, str(db))
    finally:
        conn.close()
    assert (report.recorded, report.still_failing) == (0, 1)  # "{}" is no event
    spool.spool(str(db), post("toolu_win_3"))
    conn = database.connect(str(db))
    try:
        assert replay.replay(conn, str(db)).recorded == 1
    finally:
        conn.close()
    assert not list(db.parent.glob("agent-runs-spool*"))


def test_a_release_under_windows_rules_leaves_nothing_to_read_again(db, as_on_windows, monkeypatch):
    """Windows removes no open file, so a release lets go of its claim before it removes the
    file: a claim made in that moment must find the file empty, not replay it again."""
    db.parent.mkdir(parents=True)
    for n in range(3):
        spool.spool(str(db), post(f"toolu_once_{n}"))
    (claimed,) = spool.claim(str(db), paths.SPOOL)
    assert len(list(spool.read_records(claimed))) == 3
    let_go, read_again = spool.let_go, []

    def then_another_claim(path: str) -> None:
        let_go(path)
        monkeypatch.setattr(spool, "let_go", let_go)
        for other in spool.claim(str(db), paths.SPOOL):
            read_again.extend(spool.read_records(other))
            spool.release(other, paths.SPOOL, [])

    monkeypatch.setattr(spool, "let_go", then_another_claim)
    spool.release(claimed, paths.SPOOL, [])
    assert read_again == []
    assert not list(db.parent.glob("agent-runs-spool*"))
