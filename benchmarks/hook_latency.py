"""Hook latency: `agent-runs-hook` as a new process vs. `python -c "import sqlite3, json"`.

The hook keeps a PostToolUse Task event with a 5 KB result of at least 600 distinct
words (full-text indexing costs by distinct words, so a repeated paragraph would hide
it) in a database that already holds 100,000 nodes. Both commands run interleaved in
the same run, so the ratio of their medians holds on a noisy machine. The bar is a
ratio of 1.3 or lower. After each hook run the benchmark waits until the derivation
worker the hook started has derived that event, so the next timed commands (the
baseline as much as the hook) do not share the CPU with it; the worker lingers, idle,
as between the events of a burst. A second, smaller series times the hook when no worker
runs, so that it starts one, as the first event after a quiet spell does (reported, no
bar). Then freshness: for a stream of 200 PostToolUse events, the
time from each hook's exit until its node is in node_executions (derived by the
worker the hook starts, no command run): median and p95. Last, the hook's own
imports (``-X importtime``), slowest first.

With ``--with-plugin`` the example recorder plugin (tests/plugin_example) is also
installed into a temporary directory and a third command, the hook with that plugin
on its PYTHONPATH, runs interleaved with the other two; its ratio is reported
(no bar: a plugin's cost is its author's).

    python benchmarks/hook_latency.py [--runs 40] [--nodes 100000] [--hook PATH] [--with-plugin]
                                      [--fresh 200] [--cold 10]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import recorder
from recorder.derive import apply as ingest
from recorder.derive import sync as derive
from recorder.hook import database, deriver, keep
from recorder.hook.clock import iso
from recorder.schema.queries import sql

BAR = 1.3
WORK = Path(__file__).resolve().parent / ".work"
EXAMPLE_PLUGIN = Path(__file__).resolve().parent.parent / "tests" / "plugin_example"

REPORT = """## Summary

Reviewed the checkout service (`services/checkout/`), 14 files, 2,310 lines.

### Findings
1. **Race in `reserve_stock()`**: two workers can reserve the last item; the
   `SELECT ... FOR UPDATE` is issued after the availability check. Moved the lock
   before the check and added `test_concurrent_reservation`.
2. Error handling in `PaymentClient.charge()` retried on 4xx responses; it now
   retries only on 5xx and timeouts, with exponential backoff (max 3 attempts).
3. `OrderSerializer` exposed the internal `cost_price` field. Removed it from the
   public schema; the admin serializer keeps it.

### Tests
All 214 tests pass (previously 2 failed on CI because of the race above).
Coverage of the module went from 71% to 84%.

### Files changed
- services/checkout/stock.py
- services/checkout/payment.py
- services/checkout/serializers.py
- tests/checkout/test_stock.py
"""


def result_text(size: int = 5000, seed: int = 7) -> str:
    """A subagent report of ``size`` characters: the report, then varied prose."""
    rng = random.Random(seed)
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    vocabulary = sorted(
        {"".join(rng.choices(letters[:18], k=rng.randint(3, 10))) for _ in range(20000)}
    )
    text = REPORT
    while len(text) < size:
        sentence = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 14)))
        text += sentence.capitalize() + ". "
    return text[:size]


def distinct_words(text: str) -> int:
    return len({w.strip(".,:;`*#()").lower() for w in text.split()} - {""})


def payload(tool_use_id: str, text: str, session: str = "bench-session") -> dict:
    return {
        "session_id": session,
        "transcript_path": f"/home/dev/.claude/projects/-home-dev-shop/{session}.jsonl",
        "cwd": "/home/dev/shop",
        "permission_mode": "default",
        "hook_event_name": "PostToolUse",
        "tool_name": "Task",
        "tool_use_id": tool_use_id,
        "tool_input": {
            "description": "Review checkout service",
            "prompt": "Review services/checkout for races, error handling and data leaks.",
            "subagent_type": "code-reviewer",
        },
        "tool_response": {
            "status": "completed",
            "agentId": f"agent-{tool_use_id}",
            "content": [{"type": "text", "text": text}],
            "totalDurationMs": 95311,
            "totalTokens": 31204,
            "totalToolUseCount": 17,
            "usage": {
                "input_tokens": 1200,
                "output_tokens": 2400,
                "cache_read_input_tokens": 26000,
                "cache_creation_input_tokens": 1604,
            },
        },
    }


def populated_database(nodes: int) -> Path:
    """A database with ``nodes`` nodes, built once through the recorder API and cached."""
    cached = WORK / f"hook-latency-{nodes}.db"
    if cached.exists():
        return cached
    WORK.mkdir(exist_ok=True)
    building = cached.with_suffix(".building")
    conn = database.connect(str(building))
    text = result_text(2000)
    start = time.time() - 90 * 86400
    batch = 5000
    for first in range(0, nodes, batch):
        stamped = [
            keep.stamp(
                payload(f"toolu_seed_{i:07d}", text, session=f"seed-{i // 40}"),
                received_at=iso(start + i * 60),
            )
            for i in range(first, min(nodes, first + batch))
        ]
        ingest.record(conn, stamped)
        print(f"  seeded {min(nodes, first + batch):,} / {nodes:,} nodes", file=sys.stderr)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    building.rename(cached)
    return cached


def timed(command: list[str], stdin: bytes | None = None, env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - started


def install_example_plugin(scratch: Path) -> Path:
    """Build and install the example plugin offline into ``scratch``; its directory."""
    source, site = scratch / "plugin-source", scratch / "plugin-site"
    shutil.copytree(EXAMPLE_PLUGIN, source)
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    subprocess.run(pip + ["--no-index", "-q", "--target", str(site), str(source)], check=True)
    return site


def wait_derived(db: Path, tool_use_id: str, timeout: float = 60) -> None:
    """Wait until the worker has derived the node of ``tool_use_id``."""
    deadline = time.monotonic() + timeout
    reader = sqlite3.connect(db)
    try:
        while not reader.execute(
            "SELECT 1 FROM node_executions WHERE tool_use_id = ?", (tool_use_id,)
        ).fetchone():
            if time.monotonic() > deadline:
                raise SystemExit(f"{tool_use_id} not derived within {timeout} s")
            time.sleep(0.002)
    finally:
        reader.close()


def wait_no_worker(db: Path, timeout: float = 60) -> None:
    """Wait until no derivation worker runs for ``db`` (it exits after its linger)."""
    deadline = time.monotonic() + timeout
    while deriver.running(str(db)):
        if time.monotonic() > deadline:
            raise SystemExit(f"the derivation worker of {db} still runs after {timeout} s")
        time.sleep(0.05)


def freshness(hook: str, db: Path, text: str, env: dict, count: int) -> list[float]:
    """Seconds from each hook's exit until its node is in node_executions (no command run)."""
    delays = []
    for i in range(count):
        tool_use_id = f"toolu_fresh_{os.getpid()}_{i}"
        event = json.dumps(payload(tool_use_id, text)).encode()
        subprocess.run([hook, "--db", str(db)], input=event, env=env, check=True)
        exited = time.perf_counter()
        wait_derived(db, tool_use_id)
        delays.append(time.perf_counter() - exited)
        time.sleep(random.Random(i).random() * 0.3)  # events come irregularly
    return delays


def cold_runs(hook: str, db: Path, text: str, env: dict, count: int) -> dict[str, list[float]]:
    """The baseline and the hook, each hook run when no worker runs (so it starts one)."""
    times: dict[str, list[float]] = {"baseline": [], "hook": []}
    for i in range(count):
        wait_no_worker(db)
        times["baseline"].append(timed([sys.executable, "-c", "import sqlite3, json"]))
        tool_use_id = f"toolu_cold_{os.getpid()}_{i}"
        event = json.dumps(payload(tool_use_id, text)).encode()
        times["hook"].append(timed([hook, "--db", str(db)], event, env))
        wait_derived(db, tool_use_id)
    return times


def import_times(hook: str, db: Path, text: str, env: dict, top: int = 12) -> list[str]:
    """The hook's imports over 1 ms cumulative, slowest first (one run, after warm-up)."""
    command = [sys.executable, "-X", "importtime", hook, "--db", str(db)]
    event = json.dumps(payload(f"toolu_imports_{os.getpid()}", text)).encode()
    done = subprocess.run(command, input=event, env=env, capture_output=True, check=True)
    rows = []
    for line in done.stderr.decode().splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:6.1f} ms {name}" for us, name in rows[:top] if us >= 1000]


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--fresh", type=int, default=200, help="Events in the freshness run.")
    parser.add_argument(
        "--cold", type=int, default=10, help="Hook runs that find no worker running."
    )
    parser.add_argument("--hook", default=str(Path(sys.executable).parent / "agent-runs-hook"))
    parser.add_argument(
        "--with-plugin", action="store_true", help="Also time the hook with one plugin installed."
    )
    args = parser.parse_args()

    # pip byte-compiles an installed package; do the same for a checkout, so an
    # editable install under PYTHONDONTWRITEBYTECODE is not measured recompiling.
    compileall.compile_dir(os.path.dirname(recorder.__file__), quiet=1)
    seeded = populated_database(args.nodes)
    scratch = Path(tempfile.mkdtemp(prefix="hook-latency-"))
    # a private plugin cache, filled by the warm-up runs like a user's after the first event
    plain = dict(os.environ, XDG_CACHE_HOME=str(scratch / "cache"), PYTHONPATH="")
    variants = {"hook": (scratch / "index.db", plain)}
    if args.with_plugin:
        site = install_example_plugin(scratch)
        compileall.compile_dir(site, quiet=1)
        variants["plugin"] = (scratch / "plugin.db", dict(plain, PYTHONPATH=str(site)))
    try:
        for db, _ in variants.values():
            shutil.copy(seeded, db)
            database.connect(str(db)).close()  # a cached file of an older schema: upgraded
        text = result_text(5000)
        times: dict[str, list[float]] = {"baseline": [], **{name: [] for name in variants}}
        for i in range(args.runs + 3):
            samples = {"baseline": timed([sys.executable, "-c", "import sqlite3, json"])}
            for name, (db, env) in variants.items():
                tool_use_id = f"toolu_bench_{os.getpid()}_{i}"
                event = json.dumps(payload(tool_use_id, text)).encode()
                samples[name] = timed([args.hook, "--db", str(db)], event, env)
                wait_derived(db, tool_use_id)  # the worker lingers idle until the next event
            if i >= 3:  # the first runs warm the page cache and the plugin cache
                for name, seconds in samples.items():
                    times[name].append(seconds)
        fresh = freshness(args.hook, variants["hook"][0], text, plain, args.fresh)
        cold = cold_runs(args.hook, variants["hook"][0], text, plain, args.cold)
        importtime = import_times(args.hook, variants["hook"][0], text, plain)
        recorded = {}
        for name, (db, _) in variants.items():
            conn = database.connect(str(db))
            derive.sync(conn, str(db))
            total = conn.execute(sql("counts")).fetchone()["nodes"]
            # freshness, cold and importtime events
            extra = args.fresh + args.cold + 1 if name == "hook" else 0
            recorded[name] = total - args.nodes - extra
            conn.close()
    finally:
        shutil.rmtree(scratch)

    base = median_ms(times["baseline"])
    ratio = median_ms(times["hook"]) / base
    words = distinct_words(text)
    print(f"report: {len(text)} characters, {words} distinct words")
    print(f"database: {total:,} nodes; hook runs: {len(times['hook'])}; recorded: {recorded}")
    print(f"baseline  python -c 'import sqlite3, json'  median {base:6.1f} ms")
    print(f"hook      agent-runs-hook PostToolUse 5 KB  median {median_ms(times['hook']):6.1f} ms")
    print(f"ratio     {ratio:.2f}  (bar: {BAR} or lower) -> {'PASS' if ratio <= BAR else 'FAIL'}")
    if args.with_plugin:
        plugin = median_ms(times["plugin"])
        print(f"plugin    same hook, example plugin installed  median {plugin:6.1f} ms")
        print(f"ratio     {plugin / base:.2f}  with one plugin (pluggy + the plugin imported)")
    if args.cold:
        cold_base, cold_hook = median_ms(cold["baseline"]), median_ms(cold["hook"])
        print(
            f"cold      {args.cold} hook runs with no worker running (the hook starts one): "
            f"median {cold_hook:.1f} ms, baseline {cold_base:.1f} ms, "
            f"ratio {cold_hook / cold_base:.2f} (no bar)"
        )
    fresh_ms = sorted(seconds * 1000 for seconds in fresh)
    if fresh_ms:
        p95 = fresh_ms[max(0, round(len(fresh_ms) * 0.95) - 1)]
        print(
            f"freshness {len(fresh_ms)} PostToolUse events, hook exit -> node in "
            f"node_executions: median {statistics.median(fresh_ms):.0f} ms, "
            f"p95 {p95:.0f} ms, max {fresh_ms[-1]:.0f} ms (bar: 2000 ms)"
        )
    print("hook imports (-X importtime), cumulative, slowest first:")
    for line in importtime:
        print("   ", line)
    complete = all(count == args.runs + 3 for count in recorded.values()) and words >= 600
    return 0 if ratio <= BAR and complete else 1


if __name__ == "__main__":
    sys.exit(main())
