"""Ingest rate: events per second through the recorder API, the hook process, and 16 hook workers.

Each path is printed as events per second and as a ratio of its time to a baseline's time
for the same work, measured in the same run (a ratio holds on a noisy machine):

1. API, one writer: stamped PreToolUse/PostToolUse pairs (runs of ten executions, as when
   a prompt fans out to subagents) recorded with ``ingest.record`` in batches (one
   transaction each) into a fresh database. Baseline: the rows the recorder
   ended up with, inserted with plain sqlite3 (``insert_node.sql``, executemany) into a fresh
   database of the same schema (indexes and FTS triggers included), in as many
   transactions. The ratio is what redaction, normalising, merging two events into one row
   and keeping the run counters cost on top of storing the rows.
2. Hook, one writer: one ``agent-runs-hook`` process per event, run one after another.
   Baseline: ``python -c 'import sqlite3, json'``, interleaved with the hook runs. The ratio
   is the cost of recording an event relative to starting the interpreter at all. The
   hook only keeps the event; its time here runs until the tables hold every node (the
   derivation worker the hooks start, no command run), so derivation is included.
3. Hook, 16 workers at once: the workload of tests/test_concurrency.py (tests/workload.py),
   every worker sending its pairs through its own hook processes into one database.
   Baseline: the same pool starting ``python -c 'import sqlite3, json'`` per event. The ratio
   shows what lock waits between writers add to the process cost; its time too runs until
   the tables hold every node. Its pace is printed too: the events kept in each
   ``PACE_SECONDS`` of the run, first to last. A pace that falls as the database grows
   means some work grows with it (a run's or a session's size: see stop 28's note).

    python benchmarks/ingest.py [--pairs 5000] [--hook-events 200] [--workers 16]
                                [--worker-pairs 250] [--batch 100]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import recorder
from recorder.derive import apply as ingest
from recorder.derive.store import NODE_COLUMNS
from recorder.hook import database, keep
from recorder.hook.clock import iso
from recorder.schema.queries import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from workload import hook_env, pair_payloads, run_hook, run_pool  # noqa: E402

BASELINE = [sys.executable, "-c", "import sqlite3, json"]
PACE_SECONDS = 10


class Pace:
    """Counts the kept events of ``db`` every ``PACE_SECONDS`` in a thread, until stopped."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.counts: list[int] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self) -> None:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            while not self.done.wait(PACE_SECONDS):
                self.counts.append(conn.execute("SELECT count(*) FROM kept_events").fetchone()[0])
        finally:
            conn.close()

    def stop(self) -> list[int]:
        """The events kept in each whole interval (the one cut short by the end is left out)."""
        self.done.set()
        self.thread.join()
        return [b - a for a, b in zip([0, *self.counts], self.counts, strict=False)]


def api_rate(scratch: Path, pairs: int, batch: int) -> tuple[float, float, int]:
    """(recorder seconds, plain-insert seconds, events) for ``pairs`` executions."""
    start = time.time() - 86400
    events = [  # a user prompt fans out to ten subagents: runs of ten executions
        (dict(payload, prompt_id=f"bench-{n // 10}"), iso(start + (2 * n + k) * 0.05))
        for n in range(pairs)
        for k, payload in enumerate(pair_payloads(n % 16, n // 16))
    ]
    db = str(scratch / "api.db")
    conn = database.connect(db)
    began = time.perf_counter()
    for first in range(0, len(events), batch):
        chunk = events[first : first + batch]
        ingest.record(conn, [keep.stamp(p, received_at=at) for p, at in chunk], db=db)
    recorder_seconds = time.perf_counter() - began
    rows = [dict(r) for r in conn.execute(f"SELECT {', '.join(NODE_COLUMNS)} FROM node_executions")]
    conn.close()
    assert len(rows) == pairs, f"recorded {len(rows)} of {pairs} executions"

    plain = database.connect(str(scratch / "plain.db"))
    rows_per_batch = max(1, batch // 2)
    began = time.perf_counter()
    for first in range(0, len(rows), rows_per_batch):
        plain.execute("BEGIN IMMEDIATE")
        plain.executemany(sql("insert_node"), rows[first : first + rows_per_batch])
        plain.execute("COMMIT")
    plain_seconds = time.perf_counter() - began
    plain.close()
    return recorder_seconds, plain_seconds, len(events)


def timed(command: list[str], stdin: bytes | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def hook_rate(scratch: Path, events: int) -> tuple[float, float]:
    """(hook seconds, baseline seconds) for ``events`` sequential runs of each."""
    db = str(scratch / "hook.db")
    database.connect(db).close()
    hook = str(Path(sys.executable).parent / "agent-runs-hook")
    payloads = [p for n in range(events // 2) for p in pair_payloads(99, n)]
    hook_seconds = baseline_seconds = 0.0
    for payload in payloads:
        baseline_seconds += timed(BASELINE)
        hook_seconds += timed([hook, "--db", db], json.dumps(payload).encode())
    return hook_seconds + until_derived(db, len(payloads) // 2), baseline_seconds


def until_derived(db: str, nodes: int, patience: float = 120) -> float:
    """Seconds until node_executions holds ``nodes`` rows (derived by the hooks' worker)."""
    began = time.perf_counter()
    conn = sqlite3.connect(db)
    try:
        while conn.execute("SELECT count(*) FROM node_executions").fetchone()[0] < nodes:
            if time.perf_counter() - began > patience:
                break
            time.sleep(0.005)
    finally:
        conn.close()
    return time.perf_counter() - began


def concurrent_rate(
    scratch: Path, workers: int, pairs: int
) -> tuple[float, float, int, int, list[int]]:
    """(hook seconds, baseline seconds, events, nodes recorded, events kept per
    ``PACE_SECONDS``) for the 16-worker workload."""
    db = str(scratch / "concurrent.db")
    database.connect(db).close()
    env = hook_env()
    pace = Pace(db)
    results, hook_seconds = run_pool(workers, pairs, lambda w, p: run_hook(db, p, env))
    paced = pace.stop()
    assert all(r.returncode == 0 and r.stdout == b"" for r in results)
    if not any(b"spooled" in r.stderr for r in results):  # else the replay below takes them
        hook_seconds += until_derived(db, workers * pairs)

    def bare(worker: int, payload: dict) -> subprocess.CompletedProcess:
        return subprocess.run(BASELINE, capture_output=True, timeout=120)

    _, baseline_seconds = run_pool(workers, pairs, bare)
    subprocess.run(
        [str(Path(sys.executable).parent / "agent-runs"), "replay", "--db", db],
        capture_output=True,
        check=True,
    )
    conn = database.connect(db)
    nodes = conn.execute("SELECT count(*) FROM node_executions").fetchone()[0]
    conn.close()
    return hook_seconds, baseline_seconds, len(results), nodes, paced


def line(label: str, events: int, seconds: float, baseline: str, count: int, base: float) -> str:
    return (
        f"{label:<30} {events / seconds:7,.0f} events/s   "
        f"baseline {baseline:<34} {count / base:7,.0f}/s   ratio {seconds / base:5.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000, help="executions for the API path")
    parser.add_argument("--batch", type=int, default=100, help="events per API transaction")
    parser.add_argument("--hook-events", type=int, default=200, help="sequential hook runs")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--worker-pairs", type=int, default=250, help="pairs per worker")
    args = parser.parse_args()

    # pip byte-compiles an installed package; do the same for a checkout, so an
    # editable install under PYTHONDONTWRITEBYTECODE is not measured recompiling.
    compileall.compile_dir(os.path.dirname(recorder.__file__), quiet=1)
    scratch = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        api, plain, api_events = api_rate(scratch, args.pairs, args.batch)
        hook, hook_base = hook_rate(scratch, args.hook_events)
        many, many_base, many_events, nodes, paced = concurrent_rate(
            scratch, args.workers, args.worker_pairs
        )
    finally:
        shutil.rmtree(scratch)

    print(
        f"API: {api_events:,} events ({args.pairs:,} executions) in batches of {args.batch}; "
        f"hook: {args.hook_events} sequential runs; "
        f"{args.workers} workers x {args.worker_pairs} pairs: {many_events:,} hook runs, "
        f"{nodes:,} nodes recorded"
    )
    hook_events = args.hook_events // 2 * 2
    rows = "plain sqlite3 insert, rows"
    bare = "python -c 'import sqlite3, json'"
    print(line("API ingest.record", api_events, api, rows, args.pairs, plain))
    print(line("hook, one process per event", hook_events, hook, bare, hook_events, hook_base))
    concurrent = f"hook, {args.workers} workers at once"
    print(line(concurrent, many_events, many, bare, many_events, many_base))
    if len(paced) > 1:
        print(
            f"{concurrent}, events kept per {PACE_SECONDS} s, first to last: "
            f"{' '.join(map(str, paced))} (last / first: {paced[-1] / max(1, paced[0]):.2f})"
        )
    expected = args.workers * args.worker_pairs
    return 0 if nodes == expected else 1


if __name__ == "__main__":
    sys.exit(main())
