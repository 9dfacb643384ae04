"""Scale: every canned query and page through Datasette on a 1,000,000-node database.

The database is built through the recorder's bulk path (``recorder.sources.bulk``: the
hook's own normalise / redact / classify / store code, many events per
transaction, full-text index built once). The events are the demo generator's
(sessions with prompts, parallel and background subagents, every failure kind)
spread over a year, with 96 projects, 18 agent types, 5% retried tasks and text
of realistic length and variety: task prompts of ~1 KB and results of ~2.5 KB
(log-normal, from a few hundred bytes to tens of KB: summaries, findings, file
lists, code, tracebacks), errors for failures. The build time (wall and CPU) and
the database size per 1,000 nodes are reported; a database built by an older
version gets its pending migrations first, timed.

The new panels (agent definition versions, capture coverage) are part of every dashboard
page measured, the critical path of the run page; agent-versions, rework and capture-gaps
are measured with the other canned queries.

Then one Datasette instance (in-process, ``datasette.client``, default settings:
``sql_time_limit_ms`` 1000) serves the file and each page is requested: the
first hit (fresh instance, SQLite caches cold; the OS page cache is not dropped)
and then ``--repeat`` more times, of which the median is reported. The baseline,
measured the same way in the same run, is ``SELECT count(*) FROM node_executions``
through Datasette's JSON API; each page is printed as a ratio to it. Bars: every
canned query and page answers under 250 ms (median) and 500 ms (first hit) and is
not cut off by the time limit; full-text searches through JSON (the table's search
API and the ranked search-tasks query) answer under 50 ms (median) for what people
look up: a class name, an API error ("overloaded_error", a phrase with a common
word) and a word found in about a quarter of all tasks (searches stop at what a
person reads: the newest matches).

    python benchmarks/scale.py [--nodes 1000000] [--db PATH] [--keep] [--repeat 5]
                               [--days 365] [--copies K]

``--copies K`` builds ``nodes / K`` nodes over ``days / K`` days and copies them into the
``K - 1`` periods before (``replicate.py``): a year of a million nodes in about a quarter
of the build time, for the page timings and the size (not for rebuilds).

Then the cost of keeping the rollups (recorder.schema.rollups: triggers on node_executions
and file_touches):
the same events recorded through the recorder's own path (``ingest.record``, one
transaction per event as the hook does) into a fresh database with and without the
rollups' triggers, in events per second and milliseconds per node; and the bare write of
a node (insert, then the update that finishes it) with and without them. The rollup
tables' share of the file is printed with its size.

``--db PATH`` reuses a database built earlier (built there first when missing);
without it the database goes to a temporary directory, deleted at the end unless
``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse

from datasette.app import Datasette
from replicate import replicate

from recorder.derive import apply as ingest
from recorder.hook import database, keep
from recorder.schema import migrations, rollups
from recorder.sources import bulk, demo

TIME_LIMIT_S = 0.25  # median of every page
FIRST_HIT_LIMIT_S = 0.5  # its first hit
SEARCH_LIMIT_S = 0.05  # median of a full-text search through JSON
DAYS = 365
NODES_PER_DAY_AT_DEMO_DENSITY = 74.5  # the demo generator's average, measured
ERROR_TERM = "overloaded_error"  # an API error some tasks hit: a phrase with a common word
RETRY_SHARE = 0.05  # tasks that repeat one of the last 50 tasks' prompts

NOUNS = [
    "order",
    "invoice",
    "ledger",
    "payment",
    "refund",
    "customer",
    "account",
    "session",
    "token",
    "cache",
    "queue",
    "worker",
    "job",
    "schedule",
    "report",
    "export",
    "import",
    "parser",
    "lexer",
    "config",
    "setting",
    "flag",
    "feature",
    "migration",
    "schema",
    "index",
    "query",
    "cursor",
    "connection",
    "pool",
    "client",
    "server",
    "handler",
    "route",
    "middleware",
    "view",
    "template",
    "component",
    "button",
    "form",
    "modal",
    "table",
    "chart",
    "metric",
    "trace",
    "span",
    "log",
    "event",
    "webhook",
    "subscription",
    "plan",
    "price",
    "discount",
    "coupon",
    "cart",
    "checkout",
    "shipment",
    "warehouse",
    "stock",
    "item",
    "product",
    "catalog",
    "search",
    "ranking",
    "embedding",
    "model",
    "dataset",
    "pipeline",
    "batch",
    "stream",
    "buffer",
    "snapshot",
    "backup",
    "replica",
    "shard",
    "lock",
    "lease",
    "retry",
    "timeout",
    "budget",
    "quota",
    "limit",
    "user",
    "role",
    "permission",
    "policy",
    "audit",
    "secret",
    "credential",
    "certificate",
    "build",
    "artifact",
    "release",
    "deploy",
]
VERBS = [
    "load",
    "save",
    "parse",
    "render",
    "validate",
    "compute",
    "fetch",
    "sync",
    "merge",
    "split",
    "resolve",
    "refresh",
    "build",
    "apply",
    "reset",
    "retry",
    "schedule",
    "dispatch",
    "encode",
    "decode",
    "serialize",
    "normalise",
    "flush",
    "enqueue",
    "claim",
    "release",
    "reconcile",
    "aggregate",
    "migrate",
    "rollback",
    "authorize",
]
LANGUAGES = ("py", "ts", "go", "rs", "sql", "tsx", "rb", "java")
SENTENCES = [
    "The {fn}() call in {path} holds the {noun} lock while it waits for the {noun2} "
    "service, so concurrent requests queue behind it.",
    "{cls} is constructed in three places; two of them forget to pass the {noun} "
    "timeout, which then defaults to {n} seconds.",
    "Tests for {fn} cover the happy path only; nothing exercises an empty {noun} or a "
    "{noun2} that arrives twice.",
    "I traced the slow path to {path}:{line}, where {fn}() issues one query per {noun} "
    "instead of a single batched lookup.",
    "Moving the {noun} validation into {cls}.{fn} removes the duplicated checks in the "
    "{noun2} handler and the CLI.",
    "The {noun} table has no index on ({noun2}_id, created_at); listing {n} rows scans "
    "the whole table.",
    "{cls} swallows {err} and returns None, which the caller in {path} treats as an empty {noun}.",
    "After the change, {n} of {n2} tests pass; the remaining failures are in "
    "test_{fn} and look unrelated (they also fail on main).",
    "The {noun} cache is keyed by {noun2} id only, so two tenants can read each other's "
    "entries after a restart.",
    "Retry logic in {fn}() retries on every exception, including {err}, which can never "
    "succeed on a second attempt.",
    "I kept the public signature of {cls} unchanged and added a keyword-only "
    "{noun}_limit argument with the old behaviour as default.",
    "The migration that adds {noun}.{noun2}_id must run before the backfill in "
    "{path}, otherwise the backfill writes NULLs.",
    "Logging in the {noun} worker prints the full {noun2} payload, including fields "
    "that should be redacted.",
    "{fn} is called from {n} places; only the one in {path} relies on the implicit "
    "{noun} ordering.",
    "Benchmarks before and after: {n} ms vs {n2} ms median for {fn} on the staging {noun} data.",
]
INSTRUCTIONS = [
    "Investigate why {fn} in {path} is slow when there are more than {n} {noun}s and "
    "propose a fix.",
    "Review the changes to {cls} and everything that calls {fn}; look for races, "
    "missing error handling and untested branches.",
    "Find every place that reads the {noun} {noun2} without checking permissions and "
    "list them with file and line.",
    "Write tests for {cls}.{fn} covering empty input, duplicates, and a {noun2} that times out.",
    "Refactor {path} so the {noun} and {noun2} logic live in separate modules; keep the "
    "public API unchanged.",
    "Run the {noun} test suite, then fix whatever fails; do not change the tests unless "
    "they are wrong.",
    "Explain how {fn} decides which {noun} to pick and whether the {noun2} fallback "
    "can loop forever.",
    "Update the documentation for {cls}: the {noun} options, their defaults and an "
    "example of the {noun2} flow.",
]
CONSTRAINTS = [
    "Do not modify files outside {dir}/.",
    "Keep the change small enough to review in one sitting.",
    "Use the existing {cls} helpers rather than adding new dependencies.",
    "Report file paths with line numbers.",
    "If something is ambiguous, state your assumption and continue.",
    "Run only the tests under tests/{noun}/, the full suite takes too long.",
    "Preserve backwards compatibility with the {noun2} v{n} format.",
]
ERRORS = [
    "KeyError",
    "TimeoutError",
    "ValueError",
    "IntegrityError",
    "ConnectionResetError",
    "PermissionError",
    "JSONDecodeError",
    "AssertionError",
    "OperationalError",
    "RecursionError",
]
FAILURES = [
    "I was unable to finish: {err} in {path}:{line} while running the {noun} tests, and "
    "the fixture it needs ({fn}) is not available in this environment.",
    "BLOCKED: {cls} needs credentials for the {noun} service that I do not have access to.",
    "I could not complete the {noun} refactor because the build is already failing on "
    "main: {err} in {fn}().",
    "The {noun} tests failed: {n} failed, {n2} passed. I did not find the cause.",
]
TOOL_ERRORS = [
    'API Error: 529 {{"type":"error","error":{{"type":"overloaded_error","message":'
    '"Overloaded"}}}} (request_id: req_{hex})',
    "Request timed out after 600000ms while waiting for the {noun} subagent",
    "Agent type '{noun}-{verb}er' not found. Available agents: general-purpose, Explore, Plan",
    "API Error: 500 Internal server error (request_id: req_{hex})",
    "Tool permission denied: Bash({verb} {path}) is not allowed in this project",
]
AGENT_NAMES = [
    "general-purpose",
    "Explore",
    "Plan",
    "code-reviewer",
    "test-runner",
    "debugger",
    "docs-writer",
    "security-auditor",
    "db-migrator",
    "perf-profiler",
    "frontend-dev",
    "api-designer",
    "refactorer",
    "release-manager",
    "data-analyst",
    "ui-tester",
    "dependency-updater",
    "incident-responder",
]


class ScaleGenerator(demo.Generator):
    """The demo generator at a year's volume, with text of realistic length and variety."""

    def __init__(self, seed: int, nodes: int, days: int = DAYS) -> None:
        super().__init__(seed)
        self.density = nodes / (days * NODES_PER_DAY_AT_DEMO_DENSITY)
        self.projects = [
            f"/home/{user}/code/{noun}-{kind}"
            for user in ("dev", "ana", "lee", "sam")
            for noun in NOUNS[:12]
            for kind in ("api", "web")
        ]
        self.agent_types = {
            name: (max(1, 30 - 2 * i), 30 + 9 * i, 15000 + 2200 * i)
            for i, name in enumerate(AGENT_NAMES)
        }
        self.nodes = 0
        self.recent: list[tuple[str, str]] = []
        self.sentences = self.pool(SENTENCES, 30000)
        self.instructions = self.pool(INSTRUCTIONS, 5000)
        self.constraints = self.pool(CONSTRAINTS, 2000)
        self.failures = self.pool(FAILURES, 5000)
        self.frames = self.pool(['  File "{path}", line {line}, in {fn}\n    {fn}({noun})'], 5000)
        self.exceptions = self.pool(["{err}: {noun} {noun2} not found"], 2000)
        self.code = self.pool(["    return {fn}({noun}, limit={n})", "def {fn}(self):"], 3000)
        self.files = self.pool(["- {path} (+{n}/-{line})"], 5000)
        self.tool_errors = self.pool(TOOL_ERRORS, 5000)

    def sessions_on(self, weekday: bool) -> int:
        return round(super().sessions_on(weekday) * self.density + self.rng.random() - 0.5)

    def fill(self, template: str) -> str:
        rng = self.rng
        noun, noun2 = rng.choice(NOUNS), rng.choice(NOUNS)
        directory = f"src/{rng.choice(NOUNS)}"
        return template.format(
            noun=noun,
            noun2=noun2,
            verb=rng.choice(VERBS),
            fn=f"{rng.choice(VERBS)}_{noun}",
            cls=f"{noun.title()}{noun2.title()}",
            dir=directory,
            path=f"{directory}/{noun2}.{rng.choice(LANGUAGES)}",
            line=rng.randint(1, 900),
            n=rng.randint(2, 5000),
            n2=rng.randint(2, 5000),
            err=rng.choice(ERRORS),
            hex=f"{rng.getrandbits(64):016x}",
        )

    def length(self, median: float, sigma: float, low: int, high: int) -> int:
        return int(min(high, max(low, median * math.exp(self.rng.gauss(0, sigma)))))

    def pool(self, templates: list[str], size: int) -> list[str]:
        """``size`` texts filled from ``templates`` (drawing from pools keeps the build fast)."""
        return [self.fill(self.rng.choice(templates)) for _ in range(size)]

    def paragraph(self, size: int) -> str:
        """About ``size`` characters of sentences (~130 characters each)."""
        return " ".join(self.rng.choices(self.sentences, k=size // 130 + 1))

    def user_prompt(self, area: str) -> str:
        first = super().user_prompt(area)
        return first + " " + self.paragraph(self.length(180, 0.9, 0, 4000))

    def task(self, area: str) -> tuple[str, str]:
        self.nodes += 1
        description, _ = super().task(area)
        if self.recent and self.rng.random() < RETRY_SHARE:
            return self.rng.choice(self.recent)  # the same task again: a retry
        self.recent = [*self.recent[-49:], (description, self.new_prompt())]
        return self.recent[-1]

    def new_prompt(self) -> str:
        rules = self.rng.choices(self.constraints, k=self.rng.randint(1, 4))
        parts = [
            self.rng.choice(self.instructions),
            "Context: " + self.paragraph(self.length(500, 0.7, 60, 12000)),
            "Constraints:\n" + "\n".join("- " + rule for rule in rules),
        ]
        return "\n\n".join(parts)

    def result(self, failed: bool, area: str) -> str:
        rng = self.rng
        if failed:
            text = rng.choice(self.failures)
            if rng.random() < 0.5:
                frames = rng.choices(self.frames, k=rng.randint(2, 12))
                text += "\n\nTraceback (most recent call last):\n" + "\n".join(frames)
                text += "\n" + rng.choice(self.exceptions)
            return text
        size = self.length(1800, 0.8, 150, 40000)
        findings = [
            f"{i}. " + self.paragraph(rng.randint(80, 400)) for i in range(1, rng.randint(2, 8))
        ]
        sections = [
            "## Summary\n\n" + self.paragraph(min(size // 3, 600)),
            "### Findings\n" + "\n".join(findings),
        ]
        if rng.random() < 0.4:
            sections.append("```\n" + "\n".join(rng.choices(self.code, k=8)) + "\n```")
        files = rng.choices(self.files, k=rng.randint(1, 9))
        sections.append("### Files changed\n" + "\n".join(files))
        text = "\n\n".join(sections)
        if len(text) < size:
            text += "\n\n" + self.paragraph(size - len(text))
        return text

    def tool_error(self) -> str:
        return self.rng.choice(self.tool_errors)


def build(
    path: str, nodes: int, seed: int = 11, workers: int | None = None, days: int = DAYS
) -> float:
    """Build the database at ``path`` through the bulk path; return the seconds it took.

    The nodes are spread over the ``days`` up to now. ``workers`` processes redact, stamp
    and judge the events ahead of derivation (default: one per core when this machine has
    more than one)."""
    if workers is None:
        cores = os.cpu_count() or 1
        workers = cores if cores > 1 else 0
    generator = ScaleGenerator(seed, nodes, days)
    generator.backfilled_share = demo.BACKFILLED_SHARE
    started, cpu = time.perf_counter(), time.process_time()
    events, reported = 0, 0

    def progress(recorded: int) -> None:
        nonlocal events, reported
        events += recorded
        if generator.nodes - reported >= 50_000:
            reported = generator.nodes
            elapsed = time.perf_counter() - started
            print(f"  {reported:,} nodes, {events:,} events, {elapsed:,.0f} s", file=sys.stderr)

    with demo.Definitions() as definitions:  # code-reviewer etc. get two definition versions
        batches = definitions.edited_half_way(generator.batches(days, time.time()), days)
        counts = bulk.write_database(path, batches, progress, workers)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"built: {counts['nodes']:,} nodes, {counts['runs']:,} runs, "
        f"{counts['sessions']:,} sessions from {events:,} events in {seconds:,.0f} s "
        f"({counts['nodes'] / seconds:,.0f} nodes/s; {cpu:,.0f} s of CPU) "
        f"through recorder.sources.bulk ({workers} stamping worker processes)"
    )
    return seconds


def pages(db: str, facts: dict) -> list[tuple[str, str, float]]:
    """(label, path, bar in seconds) of every page measured."""
    base = f"/{db}"
    term, common = facts["term"], facts["common"]
    canned = {
        "failed-tasks-this-week": {},
        "recent-runs": {},
        "slowest-tasks": {},
        "token-hogs": {},
        "agent-type-leaderboard": {},
        "daily-activity": {},
        "stuck-tasks": {},
        "retried-prompts": {},
        "failure-reasons": {},
        "search-tasks": {"q": term},
        "session-summary": {},
        "project-summary": {},
        "agent-versions": {},
        "rework": {},
        "capture-gaps": {},
        "cost-by-agent-type": {},
        "cost-per-day": {},
        "expensive-failures": {},
        "hotspots": {},
        "learnings-by-domain": {},
    }
    listed = [
        (f"query {name}", f"{base}/{name}?{urllib.parse.urlencode(params)}", TIME_LIMIT_S)
        for name, params in canned.items()
    ]
    listed += [
        (f"query {name} (project, agent type)", f"{base}/{name}?{filters}", TIME_LIMIT_S)
        for name, filters in (
            ("failed-tasks-this-week", f"project={facts['project_part']}&agent_type=Explore"),
            ("agent-type-leaderboard", f"project={facts['project_part']}"),
            ("daily-activity", "agent_type=Explore"),
            ("agent-versions", "agent_type=code-reviewer&days=365"),
            ("rework", f"project={facts['project_part']}&days=365"),
        )
    ]
    listed += [
        ("dashboard (default range)", "/-/agent-runs", TIME_LIMIT_S),
        ("dashboard ?range=30d", "/-/agent-runs?range=30d", TIME_LIMIT_S),
        ("dashboard ?range=7d", "/-/agent-runs?range=7d", TIME_LIMIT_S),
        ("dashboard 30d + agent type", "/-/agent-runs?range=30d&agent_type=Explore", TIME_LIMIT_S),
        ("dashboard ?range=90d (versions, coverage)", "/-/agent-runs?range=90d", TIME_LIMIT_S),
        (
            f"run page ({facts['run_nodes']} nodes)",
            f"/-/agent-runs/runs/{facts['run']}",
            TIME_LIMIT_S,
        ),
        ("table node_executions", f"{base}/node_executions", TIME_LIMIT_S),
        (
            "table node_executions ?status=failed&agent_type=Explore",
            f"{base}/node_executions?status=failed&agent_type=Explore",
            TIME_LIMIT_S,
        ),
        ("table workflow_runs", f"{base}/workflow_runs", TIME_LIMIT_S),
        ("table sessions", f"{base}/sessions", TIME_LIMIT_S),
        ("row node_executions", f"{base}/node_executions/{facts['node']}", TIME_LIMIT_S),
        (
            f"FTS table page ?_search={term} ({facts['term_hits']:,} hits)",
            f"{base}/node_executions?_search={term}",
            TIME_LIMIT_S,
        ),
        (
            f"FTS table page ?_search={common} ({facts['common_hits']:,} hits)",
            f"{base}/node_executions?_search={common}",
            TIME_LIMIT_S,
        ),
    ]
    for word, hits, bar in (
        (term, facts["term_hits"], SEARCH_LIMIT_S),
        (ERROR_TERM, facts["error_hits"], SEARCH_LIMIT_S),
        (common, facts["common_hits"], SEARCH_LIMIT_S),  # the worst case
    ):
        listed += [
            (
                f"FTS search table .json ?_search={word} ({hits:,})",
                f"{base}/node_executions.json?_search={word}&_shape=array",
                bar,
            ),
            (
                f"FTS search search-tasks.json q={word} ({hits:,})",
                f"{base}/search-tasks.json?q={word}&_shape=array",
                bar,
            ),
        ]
    return listed


def facts_of(path: str) -> dict:
    """Parameter values taken from the database: a big run, a node, a project, search terms."""
    conn = sqlite3.connect(path)
    try:
        run, run_nodes = conn.execute(
            "SELECT id, total_nodes FROM workflow_runs ORDER BY total_nodes DESC LIMIT 1"
        ).fetchone()
        node = conn.execute("SELECT max(id) FROM node_executions").fetchone()[0]
        project = conn.execute("SELECT project FROM sessions LIMIT 1").fetchone()[0]

        def hits(term: str) -> int:
            statement = "SELECT count(*) FROM node_executions_fts WHERE node_executions_fts MATCH ?"
            return conn.execute(statement, (f'"{term}"',)).fetchone()[0]

        # What people look up: a class name (one of the generator's noun pairs) ...
        names = (f"{a.title()}{b.title()}" for a in NOUNS for b in reversed(NOUNS))
        term = next(name for name in names if hits(name))
        # ... and the worst case, a word in a large share of all tasks.
        common = "RecursionError"
        facts = {"term": term, "term_hits": hits(term), "common": common}
        facts["common_hits"] = hits(common)
        facts["error_hits"] = hits(ERROR_TERM)
    finally:
        conn.close()
    return {
        **facts,
        "run": run,
        "run_nodes": run_nodes,
        "node": node,
        "project_part": project.rsplit("/", 1)[-1],
    }


async def fetch(ds: Datasette, path: str) -> tuple[float, str | None]:
    """Seconds for one request, and what went wrong (None when it answered in full)."""
    started = time.perf_counter()
    response = await ds.client.get(path)
    seconds = time.perf_counter() - started
    body = response.text
    if response.status_code != 200:
        return seconds, f"HTTP {response.status_code}"
    if "took too long" in body or "longer than Datasette's time limit" in body:
        return seconds, "cut off by sql_time_limit_ms"
    return seconds, None


async def measure(path: str, repeat: int) -> int:
    facts = facts_of(path)
    ds = Datasette([path])
    await ds.invoke_startup()
    db = ds.get_database().name
    baseline_path = f"/{db}.json?sql=SELECT+count(*)+FROM+node_executions&_shape=array"
    listed = [("baseline SELECT count(*) FROM node_executions", baseline_path, None)]
    listed += pages(db, facts)
    firsts = {label: await fetch(ds, url) for label, url, _ in listed}
    medians: dict[str, float] = {}
    problems: dict[str, str | None] = {}
    for label, url, _ in listed:
        times = []
        problem = firsts[label][1]
        for _ in range(repeat):
            seconds, trouble = await fetch(ds, url)
            times.append(seconds)
            problem = problem or trouble
        medians[label] = statistics.median(times or [firsts[label][0]])
        problems[label] = problem
    baseline = medians[listed[0][0]]
    print(f"{'page':<58} {'first':>8} {'median':>8} {'ratio':>7}  bar (median; first hit)")
    failures = 0
    for label, _, bar in listed:
        first, median = firsts[label][0], medians[label]
        verdict = ""
        if bar is not None:
            ok = median < bar and first < FIRST_HIT_LIMIT_S and problems[label] is None
            failures += not ok
            verdict = f"< {bar * 1000:,.0f}; {FIRST_HIT_LIMIT_S * 1000:,.0f} ms"
            verdict += f" -> {'PASS' if ok else 'FAIL'}"
            if problems[label]:
                verdict += f" ({problems[label]})"
        print(
            f"{label:<58} {first * 1000:6,.0f} ms {median * 1000:5,.0f} ms "
            f"{median / baseline:6.1f}x  {verdict}"
        )
    print(f"{len(listed) - 1} pages, {failures} failing; medians of {repeat} after the first hit")
    return failures


def without_rollups(conn: sqlite3.Connection) -> None:
    for name in rollups.TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.commit()


def record_events(workdir: str, label: str, payloads: list[dict], keep: bool) -> float:
    """Seconds to record ``payloads`` one transaction each into a fresh database."""
    path = os.path.join(workdir, f"{label}.db")
    conn = database.connect(path)
    try:
        if not keep:
            without_rollups(conn)
        started = time.perf_counter()
        for payload in payloads:
            ingest.record(conn, [payload], path)
        return time.perf_counter() - started
    finally:
        conn.close()


def write_nodes(workdir: str, label: str, count: int, keep: bool) -> float:
    """Seconds to insert ``count`` nodes and finish each with an update, one commit each."""
    path = os.path.join(workdir, f"{label}.db")
    conn = database.connect(path)
    try:
        if not keep:
            without_rollups(conn)
        started = time.perf_counter()
        for i in range(count):
            with conn:
                node = conn.execute(
                    "INSERT INTO node_executions (run_id, node_id, node_type, node_name, "
                    "agent_type, model, project, status, started_at) VALUES (1, ?, 'task', "
                    "'Review the change', ?, 'claude-haiku-4-5-20251001', ?, 'running', ?)",
                    (f"n{i}", AGENT_NAMES[i % 18], f"/p/{i % 96}", f"2026-11-{1 + i % 28:02d}"),
                ).lastrowid
                conn.execute(
                    "UPDATE node_executions SET status = 'completed', outcome = 'success', "
                    "duration_ms = ?, token_count = ?, input_tokens = ?, output_tokens = 900 "
                    "WHERE id = ?",
                    (1000 + 37 * i, 20000 + i, 15000 + i, node),
                )
        return time.perf_counter() - started
    finally:
        conn.close()


def rollup_cost(days: int = 4, nodes: int = 4000, rounds: int = 3) -> None:
    """Print what keeping the rollups costs the recorder (best of alternating rounds)."""
    generator = ScaleGenerator(5, 100_000)
    stamped = [keep.stamp(p) for b in generator.batches(days, time.time()) for p in b]
    recorded = {True: [], False: []}
    written = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="agent-runs-rollup-cost-") as workdir:
        for round_ in range(rounds):
            for kept in (True, False):
                label = f"{'with' if kept else 'without'}-{round_}"
                recorded[kept].append(record_events(workdir, "events-" + label, stamped, kept))
                written[kept].append(write_nodes(workdir, "nodes-" + label, nodes, kept))
    events, made = len(stamped), generator.nodes
    print(f"keeping the rollups ({events:,} events, {made:,} nodes; best of {rounds} rounds):")
    for kept in (False, True):
        seconds = min(recorded[kept])
        print(
            f"  recording, {'with' if kept else 'without'} rollup triggers: "
            f"{events / seconds:,.0f} events/s, {seconds / made * 1000:,.2f} ms per node; "
            f"bare node write (insert + finish): {min(written[kept]) / nodes * 1e6:,.0f} us"
        )
    print(
        f"  ratio with/without: recording {min(recorded[True]) / min(recorded[False]):.2f}x, "
        f"bare node write {min(written[True]) / min(written[False]):.2f}x"
    )


SIZE_PARTS = (  # (label, GLOB on the dbstat name), the first that matches counts
    ("kept event blocks", "kept_blocks"),
    ("kept event rows", "*kept_events*"),
    ("full-text index", "*_fts*"),
    ("rollups", "*rollup*"),
    ("file touches", "*file_touches*"),
    ("node indexes", "idx_node*"),
    ("node rows", "node_executions"),
)
TEXT_BYTES = (
    "SELECT sum(length(CAST(prompt AS BLOB)) + length(CAST(result_text AS BLOB)))"
    " FROM node_executions"
)


def size_parts(path: str, nodes: int) -> str:
    """Bytes per node of each part of the file (``SIZE_PARTS``, then the rest), and of the
    prompt and report texts inside the node rows: where the size goes."""
    conn = sqlite3.connect(path)
    try:
        pages = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        text = conn.execute(TEXT_BYTES).fetchone()[0] or 0
    except sqlite3.Error:
        return "size by part unknown (no dbstat)"
    finally:
        conn.close()
    parts = dict.fromkeys([label for label, _ in SIZE_PARTS] + ["the rest"], 0)
    for name, size in pages:
        label = next((lbl for lbl, glob in SIZE_PARTS if fnmatch.fnmatchcase(name, glob)), None)
        parts[label or "the rest"] += size
    shown = ", ".join(f"{label} {size / nodes:,.0f}" for label, size in parts.items())
    return (
        f"bytes per node: {shown} (prompt and report texts in the node rows: {text / nodes:,.0f})"
    )


def upgrade(path: str) -> int:
    """Apply pending migrations (a database built by an older version); return the node count."""
    conn = database.connect(path, migrate=False)
    try:
        started = time.perf_counter()
        ran = migrations.migrate(conn)
        if ran:
            seconds = time.perf_counter() - started
            print(f"upgraded: {ran} pending migration(s) applied in {seconds:,.0f} s")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return conn.execute("SELECT count(*) FROM node_executions").fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--db", help="reuse this database (built there first when missing)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--days",
        type=int,
        default=DAYS,
        help="spread the nodes over this many days (fewer: a year's density in less time)",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="build nodes/K over days/K days, then copy them into the periods before",
    )
    args = parser.parse_args()
    workdir = None
    path = args.db
    if path is None:
        workdir = tempfile.mkdtemp(prefix="agent-runs-scale-")
        path = os.path.join(workdir, "index.db")
    try:
        if not os.path.exists(path):
            copies = max(1, args.copies)
            build(path, args.nodes // copies, days=args.days // copies)
            replicate(path, copies, args.days // copies)
        else:
            print(f"reusing {path}")
        nodes = upgrade(path)
        size = os.path.getsize(path)
        print(
            f"size: {size / 1e9:,.2f} GB for {nodes:,} nodes = "
            f"{size / nodes * 1000 / 1e6:,.2f} MB per 1,000 nodes\n{size_parts(path, nodes)}"
        )
        failures = asyncio.run(measure(path, args.repeat))
        rollup_cost()
    finally:
        if workdir and not args.keep:
            for name in os.listdir(workdir):
                os.remove(os.path.join(workdir, name))
            os.rmdir(workdir)
        elif workdir:
            print(f"kept {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
