"""A realistic demo database, recorded through the same path as real hook events.

The generator plays Claude Code: sessions in several projects over N days,
user prompts, subagents (some in parallel, some in the background), results
that succeed or report failure, tool errors, interrupts, sessions that end
with subagents still running, and subagents that never finish (stuck). Every
event is a hook payload fed to ``ingest.record``; nothing is inserted raw.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator

from recorder.derive import usage
from recorder.hook import agent_definitions, clock
from recorder.hook.events import META, TRANSCRIPT_USAGE
from recorder.sources import bulk

PROJECTS = [
    "/home/dev/code/webshop",
    "/home/dev/code/payments-api",
    "/home/dev/code/infra",
    "/home/dev/code/ml-pipeline",
    "/home/dev/code/docs-site",
]

# agent type: (weight, median seconds, median total tokens)
AGENT_TYPES = {
    "general-purpose": (30, 70, 28000),
    "Explore": (25, 35, 18000),
    "Plan": (8, 60, 24000),
    "code-reviewer": (10, 90, 32000),
    "test-runner": (10, 120, 21000),
    "debugger": (7, 150, 41000),
    "docs-writer": (5, 80, 26000),
    "security-auditor": (5, 200, 52000),
}

# The custom agent types' definition files (the others are Claude Code's built-in types),
# and the edit made half-way through the demo.
DEFINITIONS = {
    "code-reviewer": "Reviews a diff for bugs and style.",
    "test-runner": "Runs the test suite and reports failures.",
    "security-auditor": "Audits code for secrets and injection.",
}
EDITED_DEFINITIONS = {
    "code-reviewer": "Reviews a diff for bugs, races and missing tests; cites lines.",
    "test-runner": "Runs the tests, then re-runs failures once to spot flaky ones.",
}
BACKFILLED_SHARE = 0.04  # sessions from before the hook was installed, found by backfill

TASKS = [
    ("Find API endpoints", "List every HTTP endpoint in {area} with its handler and auth."),
    ("Review {area} changes", "Review the diff in {area} for bugs, races and missing tests."),
    ("Run test suite", "Run the {area} tests and summarise any failures with causes."),
    ("Investigate flaky test", "Find out why the {area} integration test fails intermittently."),
    ("Plan {area} refactor", "Propose a step-by-step plan to split {area} into modules."),
    ("Update {area} docs", "Bring the README section on {area} up to date with the code."),
    ("Audit {area} for secrets", "Check {area} for hard-coded credentials and unsafe defaults."),
    ("Fix lint errors", "Fix all ruff/eslint errors in {area} without changing behaviour."),
    ("Profile slow query", "Find why the {area} listing query takes seconds and fix it."),
    ("Add input validation", "Add validation for all request bodies in {area}."),
]
# The model ids Claude Code 2.1 reports (resolvedModel) for the aliases a call may name.
MODEL_IDS = {
    "sonnet": "claude-sonnet-4-6",
    "opus": "claude-opus-4-6",
    "haiku": "claude-haiku-4-5-20251001",
}
AREAS = [
    "checkout",
    "auth",
    "billing",
    "search",
    "the CLI",
    "the worker queue",
    "reports",
    "the cache layer",
    "migrations",
    "webhooks",
]

PROMPTS = [
    "Can you figure out why {area} is slow and fix it?",
    "Please review everything touching {area} before the release.",
    "Add tests for {area}, the coverage there is terrible.",
    "Refactor {area} so it is easier to extend.",
    "Something broke in {area} after yesterday's deploy, investigate.",
    "Document how {area} works for the new team members.",
]

SUCCESS_RESULTS = [
    "## Summary\n\nFixed the failing test in `{area}`: the fixture leaked state between "
    "cases. All 214 tests pass now.\n\n- Root cause: shared mutable default\n"
    "- Added a regression test",
    "Found 12 endpoints in {area}. Error handling is consistent; two handlers lack auth checks "
    "(`/admin/export`, `/internal/reindex`). Details below.\n\n| endpoint | auth |\n|---|---|\n"
    "| GET /orders | yes |\n| POST /admin/export | **no** |",
    "No errors found. The {area} module is covered by 87% of tests and the remaining paths "
    "are trivial getters.",
    "Plan:\n1. Extract the {area} client into its own package\n2. Add an interface for storage\n"
    "3. Migrate callers one by one behind a flag\n\nRisk is low; estimated 2 days.",
    "Updated the docs for {area}: rewrote the setup section, added a diagram of the request "
    "flow and removed the outdated config table.",
    "The query was missing an index on (customer_id, created_at). Added a migration; the "
    "listing went from 2.4 s to 35 ms on the staging data.",
    "Reviewed 9 files. Two issues worth fixing:\n- a race when two workers claim the same job\n"
    "- the retry loop swallows KeyboardInterrupt\nEverything else looks good.",
]

FAILURE_RESULTS = [
    "I was unable to run the {area} tests: the database container is not reachable from "
    "this environment.",
    "BLOCKED: the {area} service needs credentials I do not have access to.",
    "I could not complete the refactor of {area} because the build is already failing on "
    "main before any change.",
    'Traceback (most recent call last):\n  File "scripts/check.py", line 41, in <module>\n'
    '    main()\n  File "scripts/check.py", line 12, in main\n    import {module}\n'
    "ModuleNotFoundError: No module named '{module}'",
]

# What subagents report as learned, as ELF's markers: (marker, domain, text).
LEARNINGS = [
    ("LEARNED", "testing", "Always reset the clock fixture between test cases"),
    ("LEARNED", "testing", "The integration suite needs the database container running first"),
    ("LEARNING", "db", "An index on (customer_id, created_at) makes the order listing fast"),
    ("LEARNED", "db", "Never run migrations from two workers at once"),
    ("LEARNING", "api", "The payments sandbox rate-limits at 10 requests per second"),
    ("LEARNED", "api", "Prefer idempotency keys on every POST that charges money"),
    ("LEARNED", "auth", "Session tokens are checked in middleware, not in the handlers"),
    ("LEARNED", "python", "Avoid mutable default arguments in fixtures"),
    ("LEARNING", "infra", "The staging cluster is reachable only through the VPN"),
    ("LEARNED", "docs", "Diagrams live in docs/diagrams and are rendered at build time"),
    ("LEARN", "", "Check that a file exists before reading it"),
]

# Files of each area (relative to the project) that subagents read and edit.
AREA_FILES = {
    area: [f"src/{slug}/__init__.py", f"src/{slug}/service.py", f"tests/test_{slug}.py"]
    for area, slug in ((a, a.replace("the ", "").replace(" ", "_")) for a in AREAS)
}
SHARED_FILES = ["README.md", "pyproject.toml", "src/config.py", "src/db.py"]
# Agent types that change files; the others only read.
WRITERS = {"general-purpose", "debugger", "docs-writer", "test-runner"}

TOOL_ERRORS = [
    'API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}',
    "Request timed out after 600000ms",
    "Agent type 'db-migrator' not found. Available agents: general-purpose, Explore, Plan",
    "API Error: 500 Internal server error",
]


class Generator:
    """Plays sessions and turns into a list of stamped hook payloads."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # Learnings and file touches draw from their own stream, so adding them left the
        # rest of the demo (sessions, tasks, outcomes) exactly as it was.
        self.extras = random.Random(seed + 1)
        # So do the sessions recorded only by a later backfill (the hook not installed yet).
        # (none unless asked for: written by the hook, those sessions would differ).
        self.backfilled = random.Random(seed + 2)
        self.backfilled_share = 0.0
        # And what each agent really spent, call by call, as its transcript would tell.
        self.spending = random.Random(seed + 3)
        self.counter = 0
        self.payloads: list[tuple[float, int, dict]] = []
        # The demo's "now": what would happen after it (the open sessions' future) is left out.
        self.horizon = float("inf")
        self.projects = PROJECTS
        self.agent_types = AGENT_TYPES

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.rng.getrandbits(48):012x}{self.counter:05d}"

    def emit(self, at: float, name: str, session: dict, **fields) -> None:
        payload = {
            "session_id": session["id"],
            "transcript_path": session["transcript"],
            "cwd": session["cwd"],
            "permission_mode": "default",
            "hook_event_name": name,
            META: {"received_at": clock.iso(at)},
        }
        if session.get("backfilled"):
            payload[META]["recorded_by"] = "backfill"
        payload.update(fields)
        self.payloads.append((at, len(self.payloads), payload))

    def lognormal(self, median: float, sigma: float = 0.8) -> float:
        return median * math.exp(self.rng.gauss(0, sigma))

    def session(self, start: float, open_ended: bool) -> None:
        """One Claude Code session of a few prompts; returns nothing, emits events."""
        cwd = self.rng.choice(self.projects)
        sid = self.next_id("sess-")
        session = {
            "id": sid,
            "cwd": cwd,
            "late_hooks": self.rng.random() < 0.04,
            "backfilled": self.backfilled.random() < self.backfilled_share,
            "transcript": f"/home/dev/.claude/projects/{cwd.replace('/', '-')}/{sid}.jsonl",
        }
        self.emit(start, "SessionStart", session, source="startup", model="claude-sonnet-4-5")
        at = start + self.rng.uniform(5, 60)
        for _ in range(self.rng.randint(1, 6)):
            at = self.turn(session, at)
            at += self.rng.uniform(30, 900)
        if open_ended or session.get("crashed") or self.rng.random() < 0.02:
            return  # still open, or Claude Code died without a SessionEnd
        reason = self.rng.choice(["prompt_input_exit", "prompt_input_exit", "clear", "other"])
        self.emit(at, "SessionEnd", session, reason=reason)
        main_context = int(self.spending.lognormvariate(math.log(60_000), 0.5))
        self.transcript_read(
            session, at + 0.2, None, session["transcript"], MODEL_IDS["opus"], main_context
        )

    def turn(self, session: dict, at: float) -> float:
        """One user prompt, its subagents, and Stop; return when the turn ended."""
        area = self.rng.choice(AREAS)
        # Newer Claude Code sends prompt_id; older versions group by turn; a few
        # sessions miss UserPromptSubmit (hooks installed mid-session): one run per task.
        prompt_id = self.next_id("prompt-") if at > time.time() - 12 * 86400 else None
        if not session["late_hooks"]:
            self.emit(
                at, "UserPromptSubmit", session, prompt=self.user_prompt(area), prompt_id=prompt_id
            )
        session["prompt_id"] = prompt_id
        at += self.rng.uniform(3, 20)
        end = at
        batches = self.rng.choices([0, 1, 2, 3], weights=[2, 5, 3, 1])[0]
        interrupted = False
        for _ in range(batches):
            width = self.rng.choices([1, 2, 3, 4], weights=[6, 3, 2, 1])[0]
            finished = [
                self.subagent(session, at + i * self.rng.uniform(0.1, 2), area)
                for i in range(width)
            ]
            if any(f is None for f in finished):
                interrupted = True
                # the turn is over when its last subagent is: the next prompt comes after
                ends = [f for f in finished if f is not None]
                end = max([end, session.pop("interrupted_at"), *ends])
                break
            at = max(finished) + self.rng.uniform(2, 30)
            end = at
        if not interrupted and not session.get("crashed"):
            self.emit(
                end + self.rng.uniform(1, 15),
                "Stop",
                session,
                stop_hook_active=False,
                prompt_id=prompt_id,
                background_tasks=[],
            )
        return end + 20

    def subagent(
        self, session: dict, at: float, area: str, parent: tuple[str, str] | None = None
    ) -> float | None:
        """One Task/Agent call; return its end time (None when the user interrupted it).

        ``parent`` is (agent id, agent type) of the subagent that makes a nested call.
        """
        rng = self.rng
        types = self.agent_types
        agent_type = rng.choices(list(types), weights=[v[0] for v in types.values()])[0]
        _, median_seconds, median_tokens = types[agent_type]
        description, instructions = self.task(area)
        tool = "Agent" if at > time.time() - 20 * 86400 else "Task"
        background = rng.random() < 0.12
        alias = rng.choice(["sonnet", "sonnet", "opus", "haiku"])
        tool_input = {"description": description, "prompt": instructions}
        # 2.1: a background agent may be one by its definition (no type, no flag in the call)
        by_definition = background and tool == "Agent" and rng.random() < 0.5
        if not by_definition:
            tool_input.update(subagent_type=agent_type, model=alias)
        if background and not by_definition:
            tool_input["run_in_background"] = True
        tool_use_id = self.next_id("toolu_")
        agent_id = self.next_id("a")
        common = {
            "tool_name": tool,
            "tool_use_id": tool_use_id,
            "tool_input": tool_input,
            "prompt_id": session.get("prompt_id"),
        }
        if parent is not None:  # a nested agent: its call is made inside the parent subagent
            common.update(agent_id=parent[0], agent_type=parent[1])
        self.emit(at, "PreToolUse", session, **common)
        if tool == "Agent" and parent is None and rng.random() < 0.02:
            return at + 1  # denied at the permission prompt: nothing follows, Stop cancels it
        self.emit(at + 0.05, "SubagentStart", session, agent_id=agent_id, agent_type=agent_type)
        seconds = min(3600.0, max(2.0, self.lognormal(median_seconds)))
        end = at + seconds
        self.file_calls(session, agent_id, agent_type, area, at, end)
        fate = rng.random()
        if fate < 0.006:
            session["crashed"] = True  # stuck: Claude Code died; the subagent never reports back
            return end
        transcript = session["transcript"].replace(".jsonl", f"/subagents/agent-{agent_id}.jsonl")
        model = MODEL_IDS[alias]
        if fate < 0.03:
            self.emit(
                end,
                "PostToolUseFailure",
                session,
                error="User interrupted the agent",
                is_interrupt=True,
                **common,
            )
            spent = int(self.spending.uniform(0.1, 0.8) * median_tokens)
            self.transcript_read(session, end + 0.1, tool_use_id, transcript, model, spent)
            session["interrupted_at"] = end
            return None
        if fate < 0.07:
            self.emit(
                end,
                "PostToolUseFailure",
                session,
                error=self.tool_error(),
                is_interrupt=False,
                duration_ms=int(seconds * 1000),
                **common,
            )
            spent = int(self.spending.uniform(0.05, 1.0) * median_tokens)  # it ran, then failed
            self.transcript_read(session, end + 0.1, tool_use_id, transcript, model, spent)
            return end
        text = self.result(fate < 0.14, area)
        tokens = int(self.lognormal(median_tokens, 0.6))
        usage = {
            "input_tokens": int(tokens * 0.05),
            "output_tokens": int(tokens * 0.08),
            "cache_read_input_tokens": int(tokens * 0.8),
            "cache_creation_input_tokens": int(tokens * 0.07),
        }

        def subagent_stop(at: float) -> None:
            self.emit(
                at,
                "SubagentStop",
                session,
                agent_id=agent_id,
                agent_type=agent_type,
                agent_transcript_path=transcript,
                last_assistant_message=text,
                stop_hook_active=False,
            )

        if background:
            self.emit(
                at + 0.5,
                "PostToolUse",
                session,
                tool_response={
                    "isAsync": True,
                    "status": "async_launched",
                    "agentId": agent_id,
                    "description": tool_input["description"],
                    "prompt": instructions,
                    "resolvedModel": model,
                    "outputFile": f"/tmp/claude-1000/tasks/{agent_id}.output",
                },
                duration_ms=int(rng.uniform(20, 90)),
                **common,
            )
            if rng.random() < 0.9:  # else the session ends first: the node is abandoned
                subagent_stop(end)
                self.notify(
                    session, end + 0.5, agent_id, tool_use_id, description, text, tokens, at
                )
                if self.spending.random() < 0.85:  # else its transcript was gone: the note's
                    self.transcript_read(session, end + 0.6, tool_use_id, transcript, model, tokens)
            return at + 1
        if tool == "Agent" and parent is None and rng.random() < 0.05:
            nested = self.subagent(session, at + seconds * 0.2, area, parent=(agent_id, agent_type))
            if nested is not None and nested + 1 > end:  # the call waits for its nested agent
                end = nested + 1
                seconds = end - at
        subagent_stop(end - 0.2)
        self.emit(
            end,
            "PostToolUse",
            session,
            tool_response={
                "status": "completed",
                "agentId": agent_id,
                "agentType": agent_type,
                "content": [{"type": "text", "text": text}],
                "totalDurationMs": int(seconds * 1000),
                "totalTokens": tokens,
                "totalToolUseCount": max(1, int(self.lognormal(9, 0.7))),
                "usage": usage,
                "resolvedModel": model,
                "toolStats": self.tool_stats(),
            },
            **common,
        )
        self.transcript_read(session, end + 0.1, tool_use_id, transcript, model, tokens)
        return end

    def transcript_read(
        self, session: dict, at: float, tool_use_id: str | None, path: str, model: str, last: int
    ) -> None:
        """What derivation keeps when it reads a finished agent's transcript: each API call's
        tokens (the context growing to ``last``, the size of the final request), as the
        usage record of ``recorder.derive.usage``; without ``tool_use_id``, the main agent's."""
        rng = self.spending
        calls = max(1, round(rng.lognormvariate(math.log(7), 0.6)))
        responses = []
        for i in range(calls):
            context = int(last * (0.25 + 0.75 * (i + 1) / calls))
            responses.append(
                {
                    "model": model,
                    "input": rng.randint(3, 400),
                    "output": int(rng.uniform(0.2, 1.8) * last * 0.08 / calls) + 20,
                    "cache_read": int(context * 0.88),
                    "cache_write": int(context * 0.12 / calls),
                    "cache_write_1h": 0,
                }
            )
        names = ["Read", "Read", "Grep", "Glob", "Bash", "Edit"]
        tools = [
            {
                "id": f"toolu_u{rng.getrandbits(64):016x}",
                "name": rng.choice(names),
                "error": rng.random() < 0.04,
            }
            for _ in range(max(0, calls - 1))
        ]
        record = {
            "v": usage.VERSION,
            "path": path,
            "bytes": 1800 * calls,
            "complete": True,
            "meta": {},
            "responses": responses,
            "tools": tools,
        }
        meta = {"received_at": clock.iso(at), "usage": record}
        if tool_use_id is None:
            self.emit(at, TRANSCRIPT_USAGE, session, **{META: dict(meta, main=True)})
        else:
            self.emit(at, TRANSCRIPT_USAGE, session, tool_use_id=tool_use_id, **{META: meta})

    def notify(
        self,
        session: dict,
        at: float,
        agent_id: str,
        tool_use_id: str,
        description: str,
        text: str,
        tokens: int,
        launched_at: float,
    ) -> None:
        """The task notification that tells the idle main agent a background agent ended."""
        status = self.rng.choices(["completed", "failed", "killed"], weights=[88, 6, 6])[0]
        summary = (
            f'Agent "{description}" '
            + {
                "completed": "completed",
                "failed": "failed: API Error: 529 overloaded",
                "killed": "was stopped",
            }[status]
        )
        body = (
            f"<task-notification>\n<task-id>{agent_id}</task-id>\n"
            f"<tool-use-id>{tool_use_id}</tool-use-id>\n<status>{status}</status>\n"
            f"<summary>{summary}</summary>\n<result>{text}</result>\n"
            f"<usage><subagent_tokens>{tokens}</subagent_tokens>"
            f"<tool_uses>{max(1, int(self.lognormal(9, 0.7)))}</tool_uses>"
            f"<duration_ms>{int((at - 0.5 - launched_at) * 1000)}</duration_ms>"
            "</usage>\n</task-notification>"
        )
        self.emit(at, "UserPromptSubmit", session, prompt=body, prompt_id=self.next_id("prompt-"))

    def tool_stats(self) -> dict:
        """The Agent result's ``toolStats``: what the subagent read, searched and changed."""
        rng = self.rng
        edits = rng.choice([0, 0, 1, 2, 4])
        return {
            "readCount": rng.randint(1, 20),
            "searchCount": rng.randint(0, 12),
            "bashCount": rng.randint(0, 6),
            "editFileCount": edits,
            "linesAdded": edits * rng.randint(0, 60),
            "linesRemoved": edits * rng.randint(0, 25),
            "otherToolCount": rng.randint(0, 3),
        }

    def user_prompt(self, area: str) -> str:
        """What the user typed to start a turn."""
        return self.rng.choice(PROMPTS).format(area=area)

    def task(self, area: str) -> tuple[str, str]:
        """A Task call's description and prompt."""
        title, instructions = self.rng.choice(TASKS)
        return title.format(area=area), instructions.format(area=area)

    def result(self, failed: bool, area: str) -> str:
        """What a subagent returned: a report of failure when ``failed``."""
        pool = FAILURE_RESULTS if failed else SUCCESS_RESULTS
        text = self.rng.choice(pool).format(
            area=area, module=self.rng.choice(["psycopg", "boto3", "redis"])
        )
        return text if failed else self.with_learnings(text)

    def tool_error(self) -> str:
        """The error of a Task call that failed as a tool call."""
        return self.rng.choice(TOOL_ERRORS)

    def sessions_on(self, weekday: bool) -> int:
        """How many sessions start on a day."""
        return self.rng.randint(9, 15) if weekday else self.rng.randint(1, 5)

    def with_learnings(self, text: str) -> str:
        """A quarter of the successful reports end with one or two learned lines."""
        if self.extras.random() >= 0.25:
            return text
        lines = []
        for marker, domain, learned in self.extras.sample(LEARNINGS, self.extras.randint(1, 2)):
            lines.append(f"[{marker}:{domain}] {learned}" if domain else f"[{marker}] {learned}")
        return text + "\n\n" + "\n".join(lines)

    def file_calls(
        self, session: dict, agent_id: str, agent_type: str, area: str, start: float, end: float
    ) -> None:
        """The subagent's Read/Edit/Write calls between its start and end (both hook events)."""
        files = AREA_FILES[area] + SHARED_FILES
        calls = [("Read", self.extras.choice(files)) for _ in range(self.extras.randint(0, 4))]
        if agent_type in WRITERS:
            for _ in range(self.extras.randint(0, 2)):
                calls.append(
                    (
                        self.extras.choice(["Edit", "Edit", "Write", "MultiEdit"]),
                        self.extras.choice(AREA_FILES[area][:2] + SHARED_FILES[:1]),
                    )
                )
        for tool, relative in calls:
            at = self.extras.uniform(start + 0.2, max(start + 0.3, end - 0.5))
            fields = {
                "tool_name": tool,
                "tool_use_id": self.next_extra_id(),
                "tool_input": {"file_path": f"{session['cwd']}/{relative}"},
                "agent_id": agent_id,
                "agent_type": agent_type,
            }
            self.emit(at, "PreToolUse", session, **fields)
            self.emit(at + 0.05, "PostToolUse", session, **fields)

    def next_extra_id(self) -> str:
        return f"toolu_f{self.extras.getrandbits(64):016x}"

    def days(self, days: int, end: float) -> Iterator[None]:
        """Sessions day by day (weekdays busier), the last few left open; yields per day."""
        self.horizon = end
        for day in range(days, 0, -1):
            day_start = end - day * 86400
            weekday = time.gmtime(day_start).tm_wday < 5
            for _ in range(self.sessions_on(weekday)):
                start = day_start + self.rng.uniform(7, 19) * 3600
                if start < end - 3600:
                    self.session(start, open_ended=False)
            yield
        self.session(end - 1800, open_ended=True)

    def ordered(self) -> list[dict]:
        """The payloads emitted so far, in time order, and forget them."""
        kept = sorted((t for t in self.payloads if t[0] <= self.horizon), key=lambda t: t[:2])
        payloads = [p for _, _, p in kept]
        self.payloads = []
        return payloads

    def batches(self, days: int, end: float) -> Iterator[list[dict]]:
        """Each day's sessions as one time-ordered batch of payloads (sessions are independent)."""
        for _ in self.days(days, end):
            yield self.ordered()
        yield self.ordered()


class Definitions:
    """Agent definition files for the demo's custom agent types, in a Claude Code user
    folder of their own ($CLAUDE_CONFIG_DIR while in use), edited once half-way, so the
    demo has two versions of each to compare."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="agent-runs-demo-")
        self.saved = os.environ.get("CLAUDE_CONFIG_DIR")
        self.write(DEFINITIONS)

    def write(self, definitions: dict[str, str]) -> None:
        agents = os.path.join(self.folder.name, "agents")
        os.makedirs(agents, exist_ok=True)
        for name, description in definitions.items():
            with open(os.path.join(agents, name + ".md"), "w", encoding="utf-8") as f:
                f.write(f"---\nname: {name}\ndescription: {description}\n---\nYou are {name}.\n")

    def edit(self) -> None:
        self.write(EDITED_DEFINITIONS)

    def edited_half_way(self, batches: Iterable[list[dict]], days: int) -> Iterator[list[dict]]:
        """The day's batches, the definitions edited before the middle day's is recorded."""
        for day, batch in enumerate(batches):
            if day == days // 2:
                self.edit()
            for payload in batch:  # as the hook would have seen them
                agent_definitions.note(payload)
            yield batch

    def __enter__(self) -> Definitions:
        os.environ["CLAUDE_CONFIG_DIR"] = self.folder.name
        return self

    def __exit__(self, *exc) -> None:
        if self.saved is None:
            os.environ.pop("CLAUDE_CONFIG_DIR", None)
        else:
            os.environ["CLAUDE_CONFIG_DIR"] = self.saved
        self.folder.cleanup()


def write_demo(
    path: str, days: int = 35, seed: int = 7, progress: Callable[[int], None] | None = None
) -> str:
    """Write the demo database to ``path`` atomically; return a one-line summary."""
    generator = Generator(seed)
    generator.backfilled_share = BACKFILLED_SHARE
    events = 0

    def batches() -> Iterator[list[dict]]:
        nonlocal events
        for batch in generator.batches(days, time.time()):
            events += len(batch)
            yield batch
            if progress:
                progress(1)

    with Definitions() as definitions:
        counts = bulk.write_database(path, definitions.edited_half_way(batches(), days))
    return (
        f"{events} events: {counts['sessions']} sessions, {counts['runs']} runs, "
        f"{counts['nodes']} nodes"
    )
