"""A concurrent hook workload: many workers, each sending Task start/finish pairs through the
real ``agent-runs-hook`` (one process per event, the payload on its stdin).

Shared by tests/test_concurrency.py and benchmarks/ingest.py. Workers share sessions and
prompt ids, so the same runs (and their node counters) are updated by many processes at once.
Run as a script it is the batch writer of the crash test (see ``batch_writer``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HOOK = str(Path(sys.executable).parent / "agent-runs-hook")
SESSIONS = 4
PROMPTS_PER_SESSION = 3

RESULT = (
    "Checked services/checkout: the stock reservation takes its row lock after the "
    "availability check, so two workers can sell the last item. Moved the lock first and "
    "added test_concurrent_reservation; all 214 tests pass.\n"
)


def tool_use_id(worker: int, pair: int) -> str:
    return f"toolu_w{worker:02d}_{pair:04d}"


def pair_payloads(worker: int, pair: int, tool: str = "Task") -> tuple[dict, dict]:
    """The PreToolUse and PostToolUse payloads of one subagent execution.

    Consecutive pairs of one worker rotate through the shared sessions and prompts.
    """
    slot = worker + pair
    session = f"sess-load-{slot % SESSIONS}"
    common = {
        "session_id": session,
        "transcript_path": f"/home/dev/.claude/projects/-home-dev-shop/{session}.jsonl",
        "cwd": "/home/dev/shop",
        "permission_mode": "default",
        "prompt_id": f"prompt-{slot // SESSIONS % PROMPTS_PER_SESSION}",
        "tool_name": tool,
        "tool_use_id": tool_use_id(worker, pair),
        "tool_input": {
            "description": f"Review checkout part {pair}",
            "prompt": f"Worker {worker}: review part {pair} of services/checkout for races.",
            "subagent_type": ("Explore", "code-reviewer", "general-purpose")[pair % 3],
        },
    }
    pre = dict(common, hook_event_name="PreToolUse")
    post = dict(
        common,
        hook_event_name="PostToolUse",
        tool_response={
            "status": "completed",
            "agentId": f"agent-{worker}-{pair}",
            "content": [{"type": "text", "text": RESULT * 4}],
            "totalDurationMs": 1000 + pair,
            "totalTokens": 5000 + worker,
            "totalToolUseCount": 3,
            "usage": {"input_tokens": 4000, "output_tokens": 600},
        },
    )
    return pre, post


def worker_payloads(worker: int, pairs: int) -> list[dict]:
    """Every event one worker sends, in order: start then finish of each execution."""
    return [p for pair in range(pairs) for p in pair_payloads(worker, pair)]


def run_hook(db: str, payload: dict, env: dict | None = None) -> subprocess.CompletedProcess:
    """One real hook process with ``payload`` as JSON on its stdin."""
    return subprocess.run(
        [HOOK, "--db", db],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=120,
        env=env,
    )


def run_pool(
    workers: int,
    pairs: int,
    send: Callable[[int, dict], subprocess.CompletedProcess],
) -> tuple[list[subprocess.CompletedProcess], float]:
    """Start ``workers`` threads at once, each sending its events through ``send``, in order.

    Returns every process result and the wall time from the common start to the last exit.
    """
    start = threading.Barrier(workers + 1)

    def work(worker: int) -> list[subprocess.CompletedProcess]:
        events = worker_payloads(worker, pairs)
        start.wait()
        return [send(worker, payload) for payload in events]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(work, w) for w in range(workers)]
        start.wait()
        began = time.perf_counter()
        results = [r for f in futures for r in f.result()]
        elapsed = time.perf_counter() - began
    return results, elapsed


def hook_env(pycache: str | None = None) -> dict:
    """The environment for hook processes; with ``pycache``, byte code is cached there.

    (An editable install under PYTHONDONTWRITEBYTECODE would recompile on every run;
    pip byte-compiles an installed package, so this measures what users run.)
    """
    env = dict(os.environ)
    if pycache:
        env.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=pycache)
    return env


def batch_writer(db: str, first: int, batches: int, size: int) -> None:
    """Record batches of finished executions through the recorder API, printing
    ``ack <last tool_use_id>`` after each commit (the crash test kills this process)."""
    from recorder.derive import apply as ingest
    from recorder.hook import database, keep

    conn = database.connect(db)
    for batch in range(first, first + batches):
        payloads = [pair_payloads(batch, i)[1] for i in range(size)]
        ingest.record(conn, [keep.stamp(p) for p in payloads], db=db)
        print(f"ack {batch}", flush=True)


if __name__ == "__main__":
    batch_writer(sys.argv[1], *(int(a) for a in sys.argv[2:5]))
