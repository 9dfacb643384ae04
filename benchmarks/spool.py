"""After an outage: the hook run that finds a large spool, and the worker that drains it.

While the database cannot be written (locked, read-only, a full disk) the hook spools
its events. The first hook run after that keeps a batch of them, inside Claude Code's
wait, puts the rest back unread in its place for the derivation worker, and queues its own
event behind it (so events are kept in the order they came).
This measures, for a spool of ``--events`` PreToolUse/PostToolUse events with varied
reports of 1 to 3 KB, in the same run:

1. that first hook run (no worker: ``AGENT_RUNS_DERIVE=off``), each time on a fresh
   copy of the spool, against ``python -c 'import sqlite3, json'`` interleaved with it
   (median of ``--runs``, as a ratio; no bar);
2. the derivation worker's keeping of the whole spool (``worker.keep_spooled``), in
   events per second.

    python benchmarks/spool.py [--events 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hook_latency import payload, result_text, timed

from recorder.derive import worker
from recorder.hook import database, paths


def write_spool(path: Path, events: int) -> int:
    """``events`` spooled events (a Pre and a Post per task, reports of varied text)."""
    texts = [result_text(1000 + 250 * (i % 9), seed=i) for i in range(40)]
    with open(path, "wb") as f:
        for i in range(events // 2):
            post = payload(f"toolu_spooled_{i:06d}", texts[i % len(texts)], f"sess-{i % 50}")
            pre = dict(post, hook_event_name="PreToolUse")
            del pre["tool_response"]
            for event in (pre, post):
                f.write(json.dumps(event).encode() + b"\n")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    hook = str(Path(sys.executable).parent / "agent-runs-hook")
    scratch = Path(tempfile.mkdtemp(prefix="spool-bench-"))
    try:
        spooled = scratch / "spool.ndjson"
        size = write_spool(spooled, args.events)
        db = scratch / "index.db"
        env = dict(os.environ, AGENT_RUNS_DERIVE="off")
        event = json.dumps(payload("toolu_own", result_text(2000))).encode()
        times: dict[str, list[float]] = {"baseline": [], "hook": []}
        for _ in range(args.runs + 1):  # the first run warms the page cache
            database.connect(str(db)).close()
            shutil.copy(spooled, db.parent / paths.SPOOL)
            times["baseline"].append(timed([sys.executable, "-c", "import sqlite3, json"]))
            times["hook"].append(timed([hook, "--db", str(db)], event, env))
            for name in os.listdir(scratch):
                if name.startswith("index.db") or name.startswith(paths.SPOOL):
                    os.remove(scratch / name)
        base, first = (statistics.median(times[k][1:]) * 1000 for k in ("baseline", "hook"))

        shutil.copy(spooled, db.parent / paths.SPOOL)
        conn = database.connect(str(db))
        try:
            started = time.perf_counter()
            worker.keep_spooled(conn, str(db))
            drained = time.perf_counter() - started
            kept = conn.execute("SELECT count(*) FROM kept_events").fetchone()[0]
        finally:
            conn.close()
    finally:
        shutil.rmtree(scratch)
    print(f"spool: {args.events:,} events, {size / 1e6:,.1f} MB")
    print(f"baseline  python -c 'import sqlite3, json'  median {base:7.1f} ms")
    print(f"hook      first run after the outage        median {first:7.1f} ms")
    print(f"ratio     {first / base:.2f}  (no bar)")
    print(
        f"worker    kept the whole spool: {kept:,} events in {drained:.1f} s "
        f"({kept / drained:,.0f} events/s)"
    )
    return 0 if kept == args.events else 1


if __name__ == "__main__":
    sys.exit(main())
