"""16 workers at once, 8,000 real hook processes, one database, Datasette reading throughout.

Each worker sends 250 PreToolUse/PostToolUse pairs (tests/workload.py) through the real
``agent-runs-hook``, one process per event. The workers share sessions and prompt ids, so
the same runs' counters are updated by many processes at once. A hook that cannot get the
write lock within its budget spools its event; later hooks ingest the spool, and a final
``agent-runs replay`` takes whatever the last hooks left. The test reports how many events
took that path and still requires exactly 4,000 complete nodes, none twice.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading

import pytest
from conftest import query, run_cli
from workload import hook_env, run_hook, run_pool, tool_use_id

WORKERS = 16
PAIRS = 250
PAGES = (
    "/index/node_executions.json?_size=5&_sort_desc=id",
    "/index/workflow_runs.json?_shape=array",
    "/index/recent-runs.json?_shape=array",
    "/-/agent-runs",
)


class Reader(threading.Thread):
    """A real Datasette (datasette.client) reading the database until told to stop."""

    def __init__(self, db: str) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.done = threading.Event()
        self.reads = 0
        self.failures: list[str] = []

    def run(self) -> None:
        asyncio.run(self.read_until_done())

    async def read_until_done(self) -> None:
        from datasette.app import Datasette

        datasette = Datasette([self.db])
        while not self.done.is_set():
            for page in PAGES:
                try:
                    response = await datasette.client.get(page)
                    if response.status_code != 200:
                        self.failures.append(f"{page}: HTTP {response.status_code}")
                except Exception as exc:  # any failure to read is what this test looks for
                    self.failures.append(f"{page}: {type(exc).__name__}: {exc}")
                self.reads += 1
            await asyncio.sleep(0.2)


def test_sixteen_concurrent_workers_lose_nothing(db, tmp_path, capsys):
    assert run_cli("init", "--db", str(db)).returncode == 0
    env = dict(hook_env(pycache=str(tmp_path / "pycache")), **fallbacks_in(tmp_path))
    reader = Reader(str(db))
    reader.start()
    try:
        results, elapsed = run_pool(WORKERS, PAIRS, lambda w, p: run_hook(str(db), p, env))
    finally:
        reader.done.set()
        reader.join(timeout=120)

    assert len(results) == WORKERS * PAIRS * 2
    assert [r.returncode for r in results] == [0] * len(results)
    assert [r.stdout for r in results if r.stdout] == []
    spooled = sum(b"spooled" in r.stderr for r in results)
    assert [r.stderr for r in results if r.stderr and b"spooled" not in r.stderr] == []
    replay = run_cli("replay", "--db", str(db), env=fallbacks_in(tmp_path))
    assert replay.returncode == 0, replay.stderr
    with capsys.disabled():
        print(
            f"\n{len(results)} hook runs in {elapsed:.1f} s; {spooled} events spooled under "
            f"lock waits and ingested later ({replay.stdout.strip()}); "
            f"{reader.reads} Datasette reads"
        )

    nodes = query(
        db,
        "SELECT tool_use_id, status, completed_at, result_text FROM node_executions "
        "ORDER BY tool_use_id",
    )
    expected = sorted(tool_use_id(w, p) for w in range(WORKERS) for p in range(PAIRS))
    assert [n["tool_use_id"] for n in nodes] == expected  # all 4,000, none twice
    assert {n["status"] for n in nodes} == {"completed"}
    assert all(n["completed_at"] and n["result_text"] for n in nodes)
    runs = query(
        db,
        "SELECT r.id, r.total_nodes, r.completed_nodes, r.failed_nodes, count(n.id) AS nodes, "
        "sum(n.status = 'completed') AS completed, sum(n.status = 'failed') AS failed "
        "FROM workflow_runs r LEFT JOIN node_executions n ON n.run_id = r.id GROUP BY r.id",
    )
    assert len(runs) == 12  # 4 sessions x 3 prompts, shared by every worker
    for run in runs:
        assert (run["total_nodes"], run["completed_nodes"], run["failed_nodes"]) == (
            run["nodes"],
            run["completed"],
            run["failed"],
        )
    assert query(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    assert reader.failures == [] and reader.reads > len(PAGES)
    assert not list(tmp_path.rglob("agent-runs-spool*"))  # beside the database or fallbacks
    assert not list(tmp_path.rglob("agent-runs-dead-letters*"))


def fallbacks_in(tmp_path) -> dict:
    """Environment putting the spool's fallback places (state and temp dirs) under tmp_path."""
    return {"XDG_STATE_HOME": str(tmp_path / "state"), "TMPDIR": str(tmp_path / "tmp")}


# Windows' rule, as near as POSIX processes can keep it: no file another process holds is
# renamed or removed (there: any open handle; here: a held lock, as writers and claims hold).
AS_ON = """
import fcntl, os, sys
from recorder.hook import spool
if sys.argv[-1] == "windows":
    spool.RENAMES_OPEN_FILES = False
    def refusing(real):
        def call(path, *rest):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                return real(path, *rest)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PermissionError(13, "in use by another process", path)
            finally:
                os.close(fd)
            return real(path, *rest)
        return call
    os.rename, os.remove = refusing(os.rename), refusing(os.remove)
"""
APPENDER = (
    AS_ON
    + """
db, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    spool.spool(db, {"id": f"{worker}-{n}"})
"""
)
CLAIMER = (
    AS_ON
    + """
import time
from recorder.hook import paths
db, stop = sys.argv[1], sys.argv[2]
while True:
    finished = os.path.exists(stop)
    for path in spool.claim(db, paths.SPOOL):
        for record, _ in spool.read_records(path):
            print(record["id"], flush=True)
        spool.release(path, paths.SPOOL, [])
    if finished:
        break
    time.sleep(0.001)
"""
)


@pytest.mark.parametrize("order", ["posix", "windows"])
def test_spool_appends_racing_with_claims_lose_nothing(db, tmp_path, order):
    """Hooks spooling while replays claim the spool: every line is read once, none lost,
    with claims made as on POSIX (lock, then rename) and as on Windows (rename, then lock;
    a release empties the file first)."""
    db.parent.mkdir(parents=True)
    stop = tmp_path / "stop"
    python = [sys.executable, "-c"]
    env = dict(os.environ, **fallbacks_in(tmp_path))
    claimers = [
        subprocess.Popen(
            [*python, CLAIMER, str(db), str(stop), order],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    appenders = [
        subprocess.Popen([*python, APPENDER, str(db), str(w), "300", order], env=env)
        for w in range(6)
    ]
    assert [a.wait(timeout=300) for a in appenders] == [0] * len(appenders)
    stop.touch()
    read = [line for c in claimers for line in c.communicate(timeout=300)[0].split()]
    assert [c.returncode for c in claimers] == [0, 0]  # both claimed to the end
    expected = sorted(f"{w}-{n}" for w in range(6) for n in range(300))
    assert sorted(read) == expected
