"""Hostile input: generated junk through the real hook, and recorded markup in the real browser.

The property test sends at least 2,000 generated payloads, each to its own ``agent-runs-hook``
process on real stdin (two at a time): wrong types in every field, missing fields, nested
junk, huge strings, invalid UTF-8, SQL and HTML in every text field, truncated and non-object
JSON, mixed with well-formed Task/Agent events. Every hook must exit 0 with empty stdout, the
database must stay sound, and every well-formed event must be recorded as sent. The browser
test records markup through the hook and loads every page that shows it in Chromium.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from browsing import CHROMIUM, chromium, served, watched_page
from conftest import event, post, pre, query, run_cli, run_hook, sync, task_input
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workload import hook_env

from recorder.hook.events import EVENTS

BATCH = 20
EXAMPLES = 100  # x BATCH = 2,000 payloads
SQL = [
    "'; DROP TABLE node_executions; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM sessions; --",
    "x' UNION SELECT sql FROM sqlite_master --",
    "1; PRAGMA writable_schema = 1; UPDATE sqlite_master SET sql = ''",
    "%' AND (SELECT count(*) FROM workflow_runs) > 0 AND '%' = '",
]
HTML = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "</textarea><iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert(1))",
    "{{ 7 * 7 }} {% raw %} ${jndi:ldap://x}",
]
FIELDS = [
    "session_id",
    "transcript_path",
    "cwd",
    "permission_mode",
    "hook_event_name",
    "prompt_id",
    "agent_id",
    "agent_type",
    "tool_name",
    "tool_use_id",
    "tool_input",
    "tool_response",
    "prompt",
    "source",
    "reason",
    "error",
    "is_interrupt",
    "last_assistant_message",
    "agent_transcript_path",
    "_agent_runs",
]
INNER_FIELDS = {
    "tool_input": ["description", "prompt", "subagent_type", "model", "run_in_background"],
    "tool_response": [
        "status",
        "content",
        "agentId",
        "totalDurationMs",
        "totalTokens",
        "usage",
        "isAsync",
        "totalToolUseCount",
    ],
}
EVENT_NAMES = sorted(EVENTS | {"Notification"})  # every event we record, and one we do not

huge_text = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["x", "é", "🙂", "<b>", "'; --", "\\u0000"]),
    st.integers(50_000, 400_000),
)
text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SQL + HTML),
    st.text(alphabet=st.characters(categories=["Cs", "Co", "Cc"]), max_size=10),
    st.integers(0, 39).flatmap(lambda k: huge_text if k == 0 else st.text(max_size=5)),
)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
junk = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def hostile_payload(draw) -> bytes:
    """A hook event with every field kept, dropped or replaced by junk, then maybe mangled."""
    name = draw(st.sampled_from(EVENT_NAMES))
    payload = post("toolu_hostile", tool=draw(st.sampled_from(["Task", "Agent", "Bash"])))
    payload.update(hook_event_name=name, prompt=draw(text), prompt_id=draw(text))
    for key in FIELDS:
        action = draw(st.sampled_from(["keep", "keep", "drop", "junk", "text"]))
        if action == "drop":
            payload.pop(key, None)
        elif action != "keep":
            payload[key] = draw(junk if action == "junk" else text)
        if isinstance(payload.get(key), dict) and key in INNER_FIELDS:
            for inner in INNER_FIELDS[key]:
                if draw(st.booleans()):
                    payload[key][inner] = draw(junk)
    raw = json.dumps(payload, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    mangling = draw(st.sampled_from(["none", "none", "bad utf-8", "truncated", "not an object"]))
    at = draw(st.integers(0, len(raw)))
    if mangling == "bad utf-8":
        raw = (
            raw[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"]))
            + raw[at:]
        )
    elif mangling == "truncated":
        raw = raw[:at]
    elif mangling == "not an object":
        raw = json.dumps(draw(junk)).encode()
    return raw


ids = itertools.count()


@st.composite
def well_formed(draw) -> dict:
    """A Task/Agent start or finish whose text fields hold SQL and HTML."""
    tool = draw(st.sampled_from(["Task", "Agent"]))
    fields = dict(
        tool=tool,
        session=draw(st.sampled_from(["sess-hostile-1", "sess-hostile-2"])),
        tool_input=task_input(
            description=draw(st.sampled_from(SQL + HTML)),
            prompt=draw(st.sampled_from(SQL + HTML)) + draw(st.text(max_size=30)),
            subagent_type=draw(st.sampled_from(["Explore", "<i>type</i>", "' OR ''='"])),
        ),
    )
    if draw(st.booleans()):
        return post("", text=draw(st.sampled_from(SQL + HTML)), **fields)
    return pre("", **fields)


mixed = st.lists(
    st.one_of(hostile_payload(), hostile_payload(), hostile_payload(), well_formed()),
    min_size=BATCH,
    max_size=BATCH,
)


def test_hostile_payloads_never_hurt_the_hook(tmp_path):
    db = tmp_path / "memory" / "index.db"
    env = hook_env(pycache=str(tmp_path / "pycache"))
    assert run_cli("init", "--db", str(db)).returncode == 0
    sent: list[bytes | dict] = []
    recorded: dict[str, dict] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mixed)
    def throw(batch: list) -> None:
        for payload in batch:
            if isinstance(payload, dict):
                payload["tool_use_id"] = f"wellformed-{next(ids)}"
                recorded[payload["tool_use_id"]] = payload
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda p: run_hook(db, p, env), batch))
        assert [(r.returncode, r.stdout) for r in results] == [(0, b"")] * len(batch)
        sent.extend(batch)
        assert query(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]

    throw()
    assert len(sent) >= 2000 and len(recorded) >= 250
    rows = {
        r["tool_use_id"]: r
        for r in query(
            db,
            "SELECT tool_use_id, tool_name, node_name, prompt, status FROM node_executions "
            "WHERE tool_use_id LIKE 'wellformed-%'",
        )
    }
    assert sorted(rows) == sorted(recorded)
    for tool_use_id, payload in recorded.items():
        row = rows[tool_use_id]
        assert row["tool_name"] == payload["tool_name"]
        assert row["node_name"] == payload["tool_input"]["description"]
        assert row["prompt"] == payload["tool_input"]["prompt"]
    assert not list(db.parent.glob("agent-runs-spool*"))


MARKUP = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<svg onload=window.__pwned=1></svg>",
    '"><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "</td></tr></table><script>alert(document.domain)</script>",
    "[details](javascript:window.__pwned=1) <a href=javascript:alert(1)>x</a>",
]
HOSTILE = " ".join(MARKUP)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """A database with markup in a prompt, a description and a result, recorded by the hook."""
    db = tmp_path_factory.mktemp("hostile") / "index.db"
    for payload in (
        event("UserPromptSubmit", prompt=f"pwnedcheck {HOSTILE}", prompt_id="p-1"),
        pre(
            "toolu_markup",
            prompt_id="p-1",
            tool_input=task_input(description=MARKUP[1], prompt=HOSTILE),
        ),
        post(
            "toolu_markup",
            text=f"pwnedcheck {HOSTILE}",
            prompt_id="p-1",
            tool_input=task_input(description=MARKUP[1], prompt=HOSTILE),
        ),
    ):
        result = run_hook(db, payload)
        assert (result.returncode, result.stdout) == (0, b"")
    sync(db)  # derived now, not whenever the worker the hook started gets to it
    return db


def report_dialogs(page) -> None:
    """Count any alert/confirm/prompt dialog among the page's problems (and dismiss it)."""

    def on_dialog(dialog) -> None:
        page.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")
def test_recorded_markup_never_runs_in_the_browser(hostile_db):
    conn = sqlite3.connect(hostile_db)
    node_id, run_id = conn.execute("SELECT id, run_id FROM node_executions").fetchone()
    conn.close()
    pages = [
        "/-/agent-runs",
        f"/-/agent-runs/runs/{run_id}",
        f"/index/node_executions/{node_id}",
        "/index/node_executions",
        "/index/node_executions?_search=pwnedcheck",
        "/index/search-tasks?q=pwnedcheck",
        f"/index/workflow_runs/{run_id}",
    ]
    with served(hostile_db) as server, chromium() as browser:
        for path in pages:
            with watched_page(browser, server) as page:
                report_dialogs(page)
                page.goto(server + path)
                page.wait_for_load_state("networkidle")
                assert page.evaluate("typeof window.__pwned") == "undefined", path
                assert page.locator("script:has-text('__pwned')").count() == 0, path
                assert page.locator("[onerror], [onload], iframe").count() == 0, path
                assert page.locator("a[href^='javascript:']").count() == 0, path
                shown = page.inner_text("body")
                assert any(markup in shown for markup in MARKUP), path  # as text
                assert page.problems == [], path
