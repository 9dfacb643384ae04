"""Rebuild rate: kept events per second re-derived by `agent-runs rebuild`.

Copies a database (for example one built by ``benchmarks/scale.py --keep --db PATH``,
or hook_latency.py's cached 100,000-node file), times ``derive.rebuild`` on the copy,
and checks that the derived tables came back identical (row counts and a checksum of
every node's columns). Baseline, in the same run: reading and decompressing every kept
event (alone or from its block) without deriving it, so the ratio is what derivation
itself costs.

    python benchmarks/rebuild.py --db PATH
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from recorder.derive import sync as derive
from recorder.derive.compaction import Reader
from recorder.hook import database

CHECKSUM = "SELECT count(*), total(length(quote(n.id) || quote(n.run_id) || quote(n.status) || quote(n.outcome) || quote(n.result_text) || quote(n.updated_at))) FROM node_executions AS n"  # noqa: E501


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database with kept events (not changed)")
    args = parser.parse_args()
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


if __name__ == "__main__":
    sys.exit(main())
