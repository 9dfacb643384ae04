"""Rebuild rate: kept events per second re-derived by `agent-runs rebuild`.

Copies a database (for example one built by ``benchmarks/scale.py --keep --db PATH``,
or hook_latency.py's cached 100,000-node file), times ``derive.rebuild`` on the copy,
and checks that the derived tables came back identical (row counts and a checksum of
every node's columns). Baseline, in the same run: reading and decompressing every kept
event (alone or from its block) without deriving it, so the ratio is what derivation
itself costs.

``--build NODES`` first builds ``--db`` when it does not exist: ``NODES`` nodes over a
year, each kept as the one event that ends a Task call (its PostToolUse, or
PostToolUseFailure), taken from scale.py's generator (its prompts and reports, of realistic
length and variety; 96 projects, 18 agent types), through the bulk path. A million nodes
that way take minutes to build, where the generator's full sessions (about 11 events per
node) take hours; so it measures a rebuild's rate at that size, with fewer events per node.

    python benchmarks/rebuild.py --db PATH [--build NODES]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from recorder.derive import sync as derive
from recorder.derive.compaction import Reader
from recorder.hook import database
from recorder.sources import bulk

CALL_ENDS = ("PostToolUse", "PostToolUseFailure")

CHECKSUM = "SELECT count(*), total(length(quote(n.id) || quote(n.run_id) || quote(n.status) || quote(n.outcome) || quote(n.result_text) || quote(n.updated_at))) FROM node_executions AS n"  # noqa: E501


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database with kept events (not changed)")
    parser.add_argument("--build", type=int, metavar="NODES", help="build --db first if missing")
    args = parser.parse_args()
    if args.build and not Path(args.db).exists():
        build(args.db, args.build)
    scratch = Path(tempfile.mkdtemp(prefix="rebuild-bench-"))
    try:
        copy = scratch / "index.db"
        shutil.copy(args.db, copy)
        conn = database.connect(str(copy))
        derive.sync(conn, str(copy))
        events = derive.kept(conn)
        before = tuple(conn.execute(CHECKSUM).fetchone())
        began = time.perf_counter()
        cursor = conn.execute("SELECT id, event, block_id FROM kept_events ORDER BY id")
        while rows := cursor.fetchmany(derive.BATCH):  # as derivation reads them
            Reader(conn).rows(rows)
        read_seconds = time.perf_counter() - began
        began = time.perf_counter()
        derive.rebuild(conn, str(copy))
        seconds = time.perf_counter() - began
        after = tuple(conn.execute(CHECKSUM).fetchone())
        conn.close()
    finally:
        shutil.rmtree(scratch)
    print(f"database: {args.db}; {events:,} kept events, {before[0]:,} nodes")
    rate = f"{events / seconds:8,.0f} events/s   {before[0] / seconds:8,.0f} nodes/s"
    print(f"rebuild   {seconds:8.1f} s   {rate}")
    ratio = seconds / read_seconds
    print(f"baseline  read + decompress every kept event {read_seconds:.1f} s; ratio {ratio:.1f}")
    print(f"identical after rebuild: {before == after}")
    return 0 if before == after else 1


def build(path: str, nodes: int) -> None:
    """A database of about ``nodes`` Task calls, each kept as the event that ended it."""
    from scale import DAYS, ScaleGenerator

    generator = ScaleGenerator(seed=11, nodes=nodes, days=DAYS)
    began = time.perf_counter()
    kept = 0

    def calls():
        for batch in generator.batches(DAYS, time.time()):
            yield [
                p
                for p in batch
                if p.get("hook_event_name") in CALL_ENDS and p.get("tool_name") in ("Task", "Agent")
            ]

    def progress(recorded: int) -> None:
        nonlocal kept
        kept += recorded
        if kept // 100_000 != (kept - recorded) // 100_000:
            print(f"  {kept:,} events kept, {time.perf_counter() - began:,.0f} s", file=sys.stderr)

    counts = bulk.write_database(path, calls(), progress, workers=os.cpu_count() or 1)
    seconds = time.perf_counter() - began
    print(f"built: {counts['nodes']:,} nodes from {kept:,} events in {seconds:,.0f} s")


if __name__ == "__main__":
    sys.exit(main())
