"""Backfill speed: `backfill` of a transcript corpus vs. reading and json.loads-ing every line.

A corpus of Claude Code transcripts (at least 200 MB: sessions with prompts,
thinking, text, Read/Bash/Grep/Edit/Glob/TodoWrite calls and their results,
file-history snapshots, and a realistic share of Task/Agent executions --
foreground, failed, interrupted and background ones with task notifications --
each with its own subagent transcript; the subagents' prompts and reports
drawn from the outcome corpus's train split, so they are as varied as real ones) is
generated once under benchmarks/.work/ and reused. In the same run, the baseline reads every line of
every file and json.loads it (in one process); backfill then records the corpus
into a fresh database, with its worker processes as the command would use them
(one per CPU; --workers to choose). The bar is a ratio of backfill time to
baseline time of 3 or lower.

    python benchmarks/backfill.py [--size-mb 210] [--runs 2] [--regenerate] [--workers N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import recorder
from recorder.hook import clock, database
from recorder.schema.queries import sql
from recorder.sources import backfill, read_ahead

BAR = 3.0
WORK = Path(__file__).resolve().parent / ".work"
CORPUS_VERSION = 4
# The subagents' reports and prompts are drawn from the outcome corpus's train split (the
# test split stays held out): written one by one, varied the way real reports are, where
# slices of one repeated paragraph would give judging and full-text indexing far fewer
# distinct words than real ones.
OUTCOMES = Path(__file__).resolve().parent.parent / "tests" / "outcomes" / "corpus.jsonl"
MODELS = ["claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]

CODE = '''def reserve_stock(session, sku: str, quantity: int) -> Reservation:
    """Reserve ``quantity`` items of ``sku`` for the current order."""
    item = session.query(Stock).filter_by(sku=sku).with_for_update().one()
    if item.available < quantity:
        raise OutOfStock(f"only {item.available} left of {sku!r}")
    item.available -= quantity
    reservation = Reservation(sku=sku, quantity=quantity, expires_at=now() + TTL)
    session.add(reservation)
    log.info("reserved %s x %d", sku, quantity)
    return reservation


class PaymentClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def charge(self, order_id: str, cents: int) -> dict:
        for attempt in range(3):
            response = requests.post(
                f"{self.base_url}/charges", json={"order": order_id, "amount": cents},
                timeout=self.timeout,
            )
            if response.status_code < 500:
                return response.json()
            time.sleep(2 ** attempt)
        raise PaymentError("payment service unavailable")
'''

PROSE = (
    "The checkout service keeps its stock in Postgres and reserves items inside a "
    "transaction. Two workers could reserve the last item because the lock was taken "
    "after the availability check; moving the SELECT ... FOR UPDATE before the check "
    "closes the race. Payment retries now stop on 4xx responses and back off on 5xx. "
    "The serializer no longer exposes cost_price; the admin one still does. All 214 "
    "tests pass and coverage of the module went from 71% to 84%. Next: the refund path "
    "has no idempotency key, and the webhook handler trusts the `amount` field. "
)

PROMPTS = [
    "Review the checkout service for races and data leaks",
    "Why does test_concurrent_reservation fail on CI but not locally?",
    "Add retries with backoff to the payment client",
    "Find every endpoint that lacks authentication and list them",
    "Refactor the serializers so the admin and public schemas share code",
    "Write a migration that backfills the orders.currency column",
    "Explain how the webhook handler validates signatures",
    "Run the full test suite and fix whatever fails",
]
AGENT_TYPES = ["Explore", "general-purpose", "code-reviewer", "test-runner", "Plan"]


def text(rng: random.Random, source: str, size: int) -> str:
    """``size`` characters of ``source``, starting anywhere."""
    out = []
    while size > 0:
        start = rng.randrange(len(source))
        piece = source[start : start + size]
        out.append(piece)
        size -= len(piece)
    return "".join(out)


def written(rng: random.Random, size: int) -> str:
    """At least ``size`` characters of reports from the outcome corpus's train split, whole
    reports joined by blank lines (a long report is several of them)."""
    out: list[str] = []
    while sum(map(len, out)) < size:
        out.append(rng.choice(REPORTS))
    return "\n\n".join(out)


def train_reports() -> list[str]:
    """The texts of the outcome corpus's train split."""
    rows = (json.loads(line) for line in OUTCOMES.read_text(encoding="utf-8").splitlines())
    return [row["text"] for row in rows if row["split"] == "train"]


REPORTS = train_reports()


def numbered(code: str) -> str:
    return "\n".join(f"{i:6}\u2192{line}" for i, line in enumerate(code.split("\n"), 1))


class Writer:
    """Writes one transcript the way Claude Code does (compact JSON, one line each)."""

    def __init__(
        self,
        path: Path,
        session: str,
        cwd: str,
        at: float,
        agent: str | None = None,
        model: str = MODELS[0],
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.f = path.open("w", encoding="utf-8")
        self.session, self.cwd, self.at, self.agent = session, cwd, at, agent
        self.model = model
        self.parent: str | None = None
        self.size = 0
        self.response: tuple | None = None  # (message id, request id, usage) to continue

    def tick(self, rng: random.Random, low: float = 0.2, high: float = 4.0) -> str:
        self.at += rng.uniform(low, high)
        return clock.iso(self.at)

    def write(self, line: dict) -> None:
        data = json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n"
        self.size += len(data.encode("utf-8"))
        self.f.write(data)

    def line(self, rng: random.Random, kind: str, message: dict, **extra) -> dict:
        line = {
            "parentUuid": self.parent,
            "isSidechain": self.agent is not None,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session,
            "version": "2.0.49",
            "gitBranch": "main",
        }
        if self.agent:
            line["agentId"] = self.agent
        line.update(type=kind, message=message, uuid=str(uuid.UUID(int=rng.getrandbits(128))))
        line["timestamp"] = self.tick(rng)
        line.update(extra)
        self.parent = line["uuid"]
        self.write(line)
        return line

    def assistant(self, rng: random.Random, *blocks: dict, more: bool = False) -> dict:
        """One line of a response; ``more``: a later line (next content block) of the last one.

        Claude Code writes a response's blocks as separate lines sharing message.id and
        requestId, each with the usage seen so far.
        """
        if more and self.response is not None:
            message_id, request_id, usage = self.response
            usage = dict(usage, output_tokens=usage["output_tokens"] + rng.randint(20, 900))
        else:
            message_id = f"msg_01{rng.getrandbits(96):024x}"
            request_id = f"req_011{rng.getrandbits(80):020x}"
            written = rng.randint(0, 4000)
            one_hour = written if rng.random() < 0.2 else 0
            usage = {
                "input_tokens": rng.randint(1, 20),
                "cache_creation_input_tokens": written,
                "cache_read_input_tokens": rng.randint(10000, 90000),
                "cache_creation": {
                    "ephemeral_5m_input_tokens": written - one_hour,
                    "ephemeral_1h_input_tokens": one_hour,
                },
                "output_tokens": rng.randint(20, 900),
                "service_tier": "standard",
            }
        self.response = (message_id, request_id, usage)
        message = {
            "model": self.model,
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "content": list(blocks),
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        return self.line(rng, "assistant", message, requestId=request_id)

    def user(self, rng: random.Random, content: object, **extra) -> dict:
        return self.line(rng, "user", {"role": "user", "content": content}, **extra)

    def result(self, rng, tool_use_id: str, content, result, is_error: bool | None = None):
        block = {"tool_use_id": tool_use_id, "type": "tool_result", "content": content}
        if is_error is not None:
            block["is_error"] = is_error
        return self.user(rng, [block], toolUseResult=result)

    def close(self) -> None:
        self.f.close()


def tool_step(w: Writer, rng: random.Random) -> None:
    """Some thinking or text, one ordinary tool call and its result."""
    more = False
    if rng.random() < 0.4:
        thought = text(rng, PROSE, rng.randint(300, 2500))
        w.assistant(rng, {"type": "thinking", "thinking": thought, "signature": "Eo" + "x" * 300})
        more = True
    if rng.random() < 0.3:
        block = {"type": "text", "text": text(rng, PROSE, rng.randint(80, 600))}
        w.assistant(rng, block, more=more)
        more = True
    tool_use_id = f"toolu_01{rng.getrandbits(110):028x}"
    roll = rng.random()
    path = f"{w.cwd}/services/checkout/{rng.choice(['stock', 'payment', 'api', 'models'])}.py"
    if roll < 0.45:
        code = text(rng, CODE, rng.randint(800, 12000))
        w.assistant(
            rng,
            {"type": "tool_use", "id": tool_use_id, "name": "Read", "input": {"file_path": path}},
            more=more,
        )
        lines = code.count("\n") + 1
        file = {
            "filePath": path,
            "content": code,
            "numLines": lines,
            "startLine": 1,
            "totalLines": lines,
        }
        w.result(rng, tool_use_id, numbered(code), {"type": "text", "file": file})
    elif roll < 0.65:
        out = text(rng, CODE + PROSE, rng.randint(100, 4000))
        w.assistant(
            rng,
            {
                "type": "tool_use",
                "id": tool_use_id,
                "name": "Bash",
                "input": {
                    "command": "pytest -q tests/checkout",
                    "description": "Run the checkout tests",
                },
            },
            more=more,
        )
        w.result(
            rng,
            tool_use_id,
            out,
            {"stdout": out, "stderr": "", "interrupted": False, "isImage": False},
            is_error=False,
        )
    elif roll < 0.8:
        old, new = text(rng, CODE, 300), text(rng, CODE, 340)
        original = text(rng, CODE, rng.randint(2000, 12000))
        w.assistant(
            rng,
            {
                "type": "tool_use",
                "id": tool_use_id,
                "name": "Edit",
                "input": {"file_path": path, "old_string": old, "new_string": new},
            },
            more=more,
        )
        patch = [
            {"oldStart": 10, "oldLines": 6, "newStart": 10, "newLines": 7, "lines": old.split("\n")}
        ]
        w.result(
            rng,
            tool_use_id,
            f"The file {path} has been updated.",
            {
                "filePath": path,
                "oldString": old,
                "newString": new,
                "originalFile": original,
                "structuredPatch": patch,
                "userModified": False,
                "replaceAll": False,
            },
        )
    elif roll < 0.9:
        found = "\n".join(f"{w.cwd}/services/checkout/m{i}.py" for i in range(rng.randint(3, 60)))
        w.assistant(
            rng,
            {
                "type": "tool_use",
                "id": tool_use_id,
                "name": "Grep",
                "input": {"pattern": "reserve_stock", "output_mode": "files_with_matches"},
            },
            more=more,
        )
        w.result(
            rng,
            tool_use_id,
            found,
            {
                "mode": "files_with_matches",
                "filenames": found.split("\n"),
                "numFiles": found.count("\n") + 1,
            },
        )
    elif roll < 0.95:
        files = [f"{w.cwd}/src/f{i}.py" for i in range(rng.randint(2, 40))]
        w.assistant(
            rng,
            {
                "type": "tool_use",
                "id": tool_use_id,
                "name": "Glob",
                "input": {"pattern": "**/*.py"},
            },
            more=more,
        )
        w.result(
            rng,
            tool_use_id,
            "\n".join(files),
            {"filenames": files, "durationMs": 35, "numFiles": len(files), "truncated": False},
        )
    else:
        todos = [
            {"content": p, "status": "pending", "activeForm": p} for p in rng.sample(PROMPTS, 4)
        ]
        w.assistant(
            rng,
            {"type": "tool_use", "id": tool_use_id, "name": "TodoWrite", "input": {"todos": todos}},
            more=more,
        )
        w.result(
            rng,
            tool_use_id,
            "Todos have been modified successfully.",
            {"oldTodos": [], "newTodos": todos},
        )


def agent_transcript(
    path: Path, session: str, cwd: str, agent: str, at: float, rng, prompt: str, final: str
) -> float:
    """A subagent's own transcript; returns the time of its last line."""
    w = Writer(path, session, cwd, at, agent, model=rng.choice(MODELS))
    w.user(rng, prompt)
    for _ in range(rng.randint(6, 30)):
        tool_step(w, rng)
    w.assistant(rng, {"type": "text", "text": final})
    w.close()
    return w.at


def task_calls(w: Writer, rng: random.Random, session_dir: Path, stats: dict, later: list) -> None:
    """1-3 parallel subagent executions, their own transcripts and their results."""
    calls = []
    for _ in range(rng.choices([1, 2, 3], [5, 3, 1])[0]):
        tool_use_id = f"toolu_01{rng.getrandbits(110):028x}"
        agent = f"{rng.getrandbits(64):016x}"[:8]
        background = rng.random() < 0.1
        tool_input = {
            "description": " ".join(rng.choice(REPORTS).split()[:5]) or "Look around",
            "prompt": written(rng, 1)[: rng.randint(200, 1500)],
            "subagent_type": rng.choice(AGENT_TYPES),
        }
        if background:
            tool_input["run_in_background"] = True
        name = rng.choice(["Task", "Agent"])
        w.assistant(rng, {"type": "tool_use", "id": tool_use_id, "name": name, "input": tool_input})
        calls.append((tool_use_id, agent, background, w.at, tool_input["prompt"]))
        stats["executions"] += 1
    for tool_use_id, agent, background, started, prompt in calls:
        final = written(rng, rng.randint(600, 6000))
        roll = rng.random()
        if roll < 0.04 and not background:
            w.result(
                rng,
                tool_use_id,
                "Agent type 'nope' not found.",
                "Error: Agent type 'nope' not found.",
                is_error=True,
            )
            continue
        if roll < 0.06 and not background:
            marker = "[Request interrupted by user for tool use]"
            w.result(
                rng,
                tool_use_id,
                [{"type": "text", "text": marker}],
                f"Error: {marker}",
                is_error=True,
            )
            continue
        path = session_dir / "subagents" / f"agent-{agent}.jsonl"
        ended = agent_transcript(path, w.session, w.cwd, agent, started, rng, prompt, final)
        if background:
            ack = {
                "isAsync": True,
                "status": "async_launched",
                "agentId": agent,
                "description": "Look around",
                "prompt": "…",
                "outputFile": f"/tmp/claude/tasks/{agent}.output",
            }
            w.result(
                rng,
                tool_use_id,
                [{"type": "text", "text": f"Async agent launched successfully.\nagentId: {agent}"}],
                ack,
            )
            tokens, uses = rng.randint(5000, 90000), rng.randint(3, 40)
            note = "\n".join(
                [
                    "<task-notification>",
                    f"<task-id>{agent}</task-id>",
                    f"<tool-use-id>{tool_use_id}</tool-use-id>",
                    "<status>completed</status>",
                    "<summary>Agent completed</summary>",
                    f"<result>{final}</result>",
                    f"<usage><total_tokens>{tokens}</total_tokens><tool_uses>{uses}</tool_uses>",
                    f"<duration_ms>{int((ended - started) * 1000)}</duration_ms></usage>",
                    "</task-notification>",
                ]
            )
            later.append(note)
            continue
        w.at = max(w.at, ended)
        content = [{"type": "text", "text": final}]
        response = {
            "status": "completed",
            "prompt": "…",
            "agentId": agent,
            "content": content,
            "totalDurationMs": int((ended - started) * 1000),
            "totalTokens": rng.randint(5000, 90000),
            "totalToolUseCount": rng.randint(3, 40),
            "usage": {
                "input_tokens": rng.randint(10, 900),
                "output_tokens": rng.randint(200, 4000),
                "cache_creation_input_tokens": rng.randint(0, 9000),
                "cache_read_input_tokens": rng.randint(1000, 80000),
            },
        }
        w.result(rng, tool_use_id, content, response)


def session(root: Path, rng: random.Random, stats: dict, at: float, size: int) -> None:
    project = rng.choice(["shop", "billing", "infra", "mobile-app", "docs"])
    cwd = f"/home/dev/{project}"
    session_id = str(uuid.UUID(int=rng.getrandbits(128)))
    main = root / f"-home-dev-{project}" / f"{session_id}.jsonl"
    w = Writer(main, session_id, cwd, at)
    later: list[str] = []
    while w.size < size:
        w.write(
            {
                "type": "file-history-snapshot",
                "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
                "snapshot": {"trackedFileBackups": {}, "timestamp": clock.iso(w.at)},
                "isSnapshotUpdate": False,
            }
        )
        if later:
            queued = {"type": "queue-operation", "operation": "enqueue", "timestamp": w.tick(rng)}
            w.write(dict(queued, sessionId=session_id, content=later[0]))
            w.user(rng, later.pop(0))
        else:
            w.user(rng, rng.choice(PROMPTS) + "\n" + written(rng, 1)[: rng.randint(0, 800)])
        for _ in range(rng.randint(3, 25)):
            tool_step(w, rng)
            if rng.random() < 0.05:
                task_calls(w, rng, main.parent / session_id, stats, later)
        w.assistant(rng, {"type": "text", "text": text(rng, PROSE, rng.randint(200, 1500))})
        if rng.random() < 0.1:
            w.write(
                {
                    "parentUuid": w.parent,
                    "type": "system",
                    "subtype": "turn_duration",
                    "durationMs": 53000,
                    "timestamp": w.tick(rng),
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "sessionId": session_id,
                    "isMeta": False,
                }
            )
        w.at += rng.uniform(30, 600)
    for note in later:  # notifications delivered at the end of the session
        w.user(rng, note)
    w.close()
    stats["sessions"] += 1


def corpus(size_mb: int, regenerate: bool) -> tuple[Path, dict]:
    """The corpus directory and its manifest, generated once."""
    root = WORK / f"backfill-corpus-{size_mb}mb"
    manifest = root / "manifest.json"
    if manifest.exists() and not regenerate:
        stats = json.loads(manifest.read_text())
        if stats.get("version") == CORPUS_VERSION:
            return root / "projects", stats
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(20261124)
    stats = {"version": CORPUS_VERSION, "sessions": 0, "executions": 0}
    at = time.mktime((2026, 6, 1, 9, 0, 0, 0, 0, 0))
    target = size_mb * 1_000_000
    done = 0
    while done < target:
        session(root / "projects", rng, stats, at, rng.randint(500_000, 4_000_000))
        at += rng.uniform(3600, 5 * 86400)
        done = sum(f.stat().st_size for f in (root / "projects").rglob("*.jsonl"))
        print(f"  generated {done / 1e6:,.0f} / {size_mb} MB", file=sys.stderr)
    manifest.write_text(json.dumps(stats))
    return root / "projects", stats


def baseline(files: list[str]) -> tuple[float, int]:
    """Read every line of every file and json.loads it."""
    started = time.perf_counter()
    lines = 0
    for path in files:
        with open(path, "rb") as f:
            for line in f:
                lines += 1
                json.loads(line)  # the corpus has no malformed lines
    return time.perf_counter() - started, lines


def timed_backfill(files: list[str], workers: int) -> tuple[float, backfill.BackfillReport, int]:
    scratch = Path(tempfile.mkdtemp(prefix="backfill-bench-"))
    try:
        db = str(scratch / "index.db")
        conn = database.connect(db)
        started = time.perf_counter()
        report = backfill.backfill(conn, files, db=db, workers=workers)
        seconds = time.perf_counter() - started
        nodes = conn.execute(sql("counts")).fetchone()["nodes"]
        priced = conn.execute(
            "SELECT count(*), sum(api_calls), round(sum(cost_usd), 2) FROM node_executions "
            "WHERE usage_source = 'transcript'"
        ).fetchone()
        report.priced = tuple(priced)
        conn.close()
    finally:
        shutil.rmtree(scratch)
    return seconds, report, nodes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=210)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--workers", type=int, help="backfill's worker processes (default: as the command's)"
    )
    args = parser.parse_args()

    compileall.compile_dir(os.path.dirname(recorder.__file__), quiet=1)
    root, stats = corpus(args.size_mb, args.regenerate)
    files = backfill.transcript_files([root])
    size = backfill.total_bytes(files)
    workers = read_ahead.default_workers(size) if args.workers is None else args.workers
    baseline(files)  # warm the page cache
    base_times, fill_times = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine
        seconds, lines = baseline(files)
        base_times.append(seconds)
        seconds, report, nodes = timed_backfill(files, workers)
        fill_times.append(seconds)
    base, fill = min(base_times), min(fill_times)
    ratio = fill / base
    ok = report.executions == stats["executions"] == nodes and report.skipped_lines == 0
    print(
        f"corpus: {size / 1e6:,.0f} MB in {len(files):,} files, {lines:,} lines, "
        f"{stats['sessions']:,} sessions, {stats['executions']:,} subagent executions"
    )
    print(f"backfill: {report} ({workers} worker processes, {os.cpu_count()} CPUs)")
    transcribed, calls, cost = report.priced
    print(
        f"usage:    {transcribed:,} executions read from their own transcripts, "
        f"{calls or 0:,} API responses, ${cost or 0:,.2f}"
    )
    print(
        f"baseline  read + json.loads every line  {base:6.2f} s  "
        f"{lines / base:,.0f} records/s  {size / 1e6 / base:,.0f} MB/s"
    )
    print(
        f"backfill  into a fresh database         {fill:6.2f} s  "
        f"{lines / fill:,.0f} records/s  {size / 1e6 / fill:,.0f} MB/s  "
        f"{nodes / fill:,.0f} executions/s  {report.events / fill:,.0f} events/s"
    )
    runs = ", ".join(
        f"{f:.2f} s / {b:.2f} s = {f / b:.2f}" for b, f in zip(base_times, fill_times, strict=True)
    )
    print(f"each run  backfill / baseline: {runs}")
    print(f"ratio     {ratio:.2f}  (bar: {BAR} or lower) -> {'PASS' if ratio <= BAR else 'FAIL'}")
    if not ok:
        print(f"MISMATCH: expected {stats['executions']} executions, recorded {nodes}")
    return 0 if ratio <= BAR and ok else 1


if __name__ == "__main__":
    sys.exit(main())
