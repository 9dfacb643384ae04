"""Apply normalised hook events to the database.

Events arrive in any order and may be replayed: every write merges into what
is already there, keyed by tool_use_id (nodes), run_key (runs), session id and
agent id, and every time written comes from the event, never from the clock,
so applying an event twice changes nothing.
"""

from __future__ import annotations

import json
import sqlite3

from recorder.derive import file_touches, learnings, node_facts, node_usage, parallelism
from recorder.hook import clock, notification
from recorder.plugins import calls as plugin_calls

try:  # the built-in module: hashlib would load OpenSSL, a few ms per hook run
    from _sha256 import sha256  # Python < 3.12
except ImportError:
    try:
        from _sha2 import sha256  # Python >= 3.12
    except ImportError:
        from hashlib import sha256
from recorder.hook.events import TRANSCRIPT_USAGE, RejectedEvent
from recorder.schema.queries import sql

# A status may only move forward: a late PreToolUse or a background launch
# acknowledgement never reopens a finished node.
STATUS_RANK = {
    "pending": 0,
    "running": 0,
    "abandoned": 1,
    "completed": 2,
    "failed": 2,
    "cancelled": 2,
}

NODE_COLUMNS = [
    "run_id",
    "node_id",
    "node_name",
    "node_type",
    "tool_use_id",
    "tool_name",
    "session_id",
    "project",
    "agent_id",
    "agent_type",
    "parent_agent_id",
    "model",
    "prompt",
    "prompt_hash",
    "is_background",
    "status",
    "outcome",
    "outcome_reason",
    "failure_kind",
    "outcome_classifier",
    "result_text",
    "result_json",
    "error_message",
    "error_type",
    "duration_ms",
    "token_count",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "tool_use_count",
    "agent_transcript_path",
    "output_file",
    "api_calls",
    "cost_usd",
    "cost_note",
    "context_tokens",
    "usage_source",
    "usage_complete",
    "failure_kind",
    "lines_added",
    "lines_removed",
    "tool_stats_json",
    "started_at",
    "completed_at",
    "created_at",
    "updated_at",
]
# What an update may change: not the node's identity (id, node_id, tool_use_id) or its
# creation; updated_at is always written.
UPDATED_COLUMNS = [
    c
    for c in dict.fromkeys(NODE_COLUMNS)
    if c not in {"node_id", "tool_use_id", "created_at", "updated_at"}
]


def apply(conn: sqlite3.Connection, event: dict) -> None:
    """Record one normalised event (the caller holds the transaction)."""
    if event["event"] == TRANSCRIPT_USAGE:
        transcript_usage(conn, event)
        return
    conn.execute(sql("touch_session"), event)
    node_facts.session_event(conn, event)
    reread_usage(conn, event)
    HANDLERS[event["event"]](conn, event)
    if event["event"] == "SessionEnd":
        node_usage.main_agent(
            conn, event["session_id"], event["transcript_path"], event["received_at"]
        )


# The events at which the transcripts of a session's finished nodes that were not complete
# are read again: a turn's start and end (by then Claude Code has written what the earlier
# subagents did), a session's start (a resume; a backfill run over the same files) and its
# end. Not every event: a long burst of subagents would re-read all the earlier ones on each.
REREAD_AT = frozenset({"SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"})


def reread_usage(conn: sqlite3.Connection, event: dict) -> None:
    """Read again the transcripts of the session's nodes that were not complete yet.

    The event's own node is left to its handler, which reads it once.
    """
    if event["event"] not in REREAD_AT:
        return
    final = event["event"] == "SessionEnd"
    for node in node_usage.pending(conn, event["session_id"], final):
        if node["tool_use_id"] == event.get("tool_use_id") or (
            event["agent_id"] and node["agent_id"] == event["agent_id"]
        ):
            continue
        node["_stored"] = dict(node)
        save_node(conn, node, event)


def prompt_hash(prompt: str | None) -> str | None:
    """ELF's prompt hash: the first 16 hex digits of SHA-256."""
    if prompt is None:
        return None
    return sha256(prompt.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# -- sessions and turns ---------------------------------------------------------------


def session_start(conn: sqlite3.Connection, event: dict) -> None:
    """A session starts (or resumes, or compacted its context). One sent from inside a
    subagent (Claude Code 2.1.337, after a subagent's compaction: its ``agent_id``,
    ``agent_type`` and model) says nothing of the session's own model or source."""
    if event["agent_id"]:
        return
    conn.execute(sql("start_session"), event)


def session_end(conn: sqlite3.Connection, event: dict) -> None:
    conn.execute(sql("end_session"), event)
    for node in conn.execute(sql("running_nodes_of_session"), event).fetchall():
        if (node["started_at"] or "") <= event["received_at"]:
            finish_node(
                conn,
                dict(node),
                event,
                status="abandoned",
                outcome="unknown",
                reason=f"session ended ({event['reason'] or 'unknown reason'}) "
                "before the subagent finished",
            )
    close_runs(conn, event)


def user_prompt_submit(conn: sqlite3.Connection, event: dict) -> None:
    if event["notifications"]:  # Claude Code telling of background work: no user prompt
        for note in event["notifications"]:
            notified(conn, event, note)
        return
    conn.execute(sql("submit_prompt"), event)
    keep = run_key_for_prompt(event)
    close_runs(conn, event, keep_run_key=keep)
    if event["prompt_id"] and event["prompt"]:
        conn.execute(
            sql("fill_run_prompt"),
            {
                "input_json": json.dumps({"prompt": event["prompt"]}),
                "workflow_name": first_line(event["prompt"]),
                "run_key": keep,
            },
        )


def stop(conn: sqlite3.Connection, event: dict) -> None:
    """The turn ended: a node of it that never launched was denied or abandoned.

    Only a Stop that lists ``background_tasks`` (Claude Code 2.1) tells this; an
    older build's, or backfill's stand-in at a transcript's end, does not.
    """
    in_flight = event["background_tasks"]
    for node in unlaunched_nodes(conn, event) if in_flight is not None else ():
        if node["agent_id"] not in in_flight:
            finish_node(
                conn,
                node,
                event,
                status="cancelled",
                outcome="unknown",
                reason="the turn ended before the subagent started (denied or abandoned)",
                error_type="not_started",
            )
    conn.execute(sql("end_turn"), event)
    close_runs(conn, event)


def stop_failure(conn: sqlite3.Connection, event: dict) -> None:
    """The turn ended on an API error: its foreground nodes still running failed with it.

    Claude Code 2.1.337 sends StopFailure from inside a subagent too (with its
    ``agent_id``): then that subagent failed, and the main agent's turn goes on.
    """
    error = event["error"] or "API error"
    if event["error_details"]:
        error = f"{error}: {event['error_details']}"
    if event["agent_id"]:
        subagent_failed(conn, event, error)
        return
    for node in unlaunched_nodes(conn, event, foreground=True):
        failed_on_api_error(conn, node, event, error, "the turn")
    conn.execute(sql("end_turn"), event)
    close_runs(conn, event)


def subagent_failed(conn: sqlite3.Connection, event: dict, error: str) -> None:
    """A subagent's own turn ended on an API error: its node failed, if still running."""
    row = conn.execute(sql("select_node_by_agent"), event).fetchone()
    if row is None or row["session_id"] != event["session_id"]:
        return
    node = dict(row, _stored=dict(row))
    if not finished(node):
        failed_on_api_error(conn, node, event, error, "the subagent's turn")


def failed_on_api_error(
    conn: sqlite3.Connection, node: dict, event: dict, error: str, whose: str
) -> None:
    finish_node(
        conn,
        node,
        event,
        status="failed",
        outcome="failure",
        reason=f"{whose} ended on an API error ({error})",
        error_message=error,
        error_type="api_error",
    )


def unlaunched_nodes(conn: sqlite3.Connection, event: dict, foreground: bool = False) -> list:
    """The session's running main-thread nodes started before the event.

    Without ``foreground``: only those with no agent yet (never launched); with it,
    every running node that is not a background agent.
    """
    nodes = []
    for row in conn.execute(sql("running_nodes_of_session"), event).fetchall():
        node = dict(row, _stored=dict(row))
        if node["parent_agent_id"] or (node["started_at"] or "") > event["received_at"]:
            continue
        if node["is_background"] or (not foreground and node["agent_id"]):
            continue
        nodes.append(node)
    return nodes


def close_runs(conn: sqlite3.Connection, event: dict, keep_run_key: str | None = None) -> None:
    """Close the session's open turn runs and let their status settle."""
    params = dict(event, keep_run_key=keep_run_key)
    for (run_id,) in conn.execute(sql("close_runs"), params).fetchall():
        refresh_run(conn, run_id, event["received_at"])


def refresh_run(conn: sqlite3.Connection, run_id: int, at: str, spans: bool = True) -> None:
    """The run's counters and status follow its nodes; its parallelism too when a node's
    span may have changed (``spans``)."""
    conn.execute(sql("refresh_run"), {"run_id": run_id, "received_at": at})
    if spans:
        parallelism.refresh(conn, run_id)


def run_key_for_prompt(event: dict) -> str:
    if event["prompt_id"]:
        return f"prompt:{event['session_id']}:{event['prompt_id']}"
    return f"turn:{event['session_id']}:{event['received_at']}"


def run_for_node(conn: sqlite3.Connection, event: dict) -> int:
    """The run a new node belongs to: its prompt, else the open turn, else its own."""
    turn = conn.execute(sql("open_turn"), event).fetchone()
    prompt = started = None
    if event["prompt_id"]:
        key, grouping = run_key_for_prompt(event), "prompt"
        if turn and turn["current_prompt_id"] == event["prompt_id"]:
            prompt, started = turn["current_prompt"], turn["current_prompt_at"]
    elif turn:
        key, grouping = f"turn:{event['session_id']}:{turn['current_prompt_at']}", "turn"
        prompt, started = turn["current_prompt"], turn["current_prompt_at"]
    else:
        key, grouping = f"task:{event['tool_use_id']}", "task"
    if prompt:
        name, input_json = first_line(prompt), json.dumps({"prompt": prompt})
    else:
        name = event.get("description") or event.get("subagent_type") or "subagent task"
        input_json = json.dumps({"description": event.get("description")})
    params = {
        "run_key": key,
        "grouping": grouping,
        "session_id": event["session_id"],
        "prompt_id": event["prompt_id"],
        "project": event["cwd"],
        "workflow_name": name,
        "input_json": input_json,
        "started_at": started or event["received_at"],
    }
    existing = conn.execute(sql("select_run"), params).fetchone()
    if existing is not None:
        return existing[0]
    return conn.execute(sql("insert_run"), params).fetchone()[0]


def first_line(text: str, limit: int = 80) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- subagent nodes --------------------------------------------------------------------


def pre_tool_use(conn: sqlite3.Connection, event: dict) -> None:
    node = load_node(conn, event)
    merge_tool_facts(node, event)
    if node["started_at"] is None:
        node["started_at"] = event["received_at"]
    advance(node, {"status": "running"})
    save_node(conn, node, event)


def post_tool_use(conn: sqlite3.Connection, event: dict) -> None:
    node = load_node(conn, event)
    merge_tool_facts(node, event)
    if event["is_async"]:
        node["is_background"] = 1
        node["node_type"] = "background"
        node["duration_ms"] = node["_stored"]["duration_ms"] if "_stored" in node else None
        node["context_tokens"] = None  # the launch's, not the run's
        if node["usage_source"] != node_usage.TRANSCRIPT:
            node["token_count"] = None
        advance(node, {"status": "running"})
        subagent = linked_subagent(conn, node)
        if (
            subagent is not None
            and subagent["stopped_at"]
            and subagent["last_assistant_message"]
            and not finished(node)
        ):
            finish_background(conn, node, event, subagent)
            return
        save_node(conn, node, event)
        return
    linked_subagent(conn, node)
    node["usage_source"] = node["usage_source"] or "tool_response"
    verdict = plugin_calls.classify_outcome(node, event["result_text"], response=event["response"])
    finish_with_result(conn, node, event, event["result_text"], verdict)


def post_tool_use_failure(conn: sqlite3.Connection, event: dict) -> None:
    node = load_node(conn, event)
    merge_tool_facts(node, event)
    interrupted = event["is_interrupt"]
    verdict = plugin_calls.classify_outcome(
        node, None, response=event["response"], error=event["error"] or "", interrupted=interrupted
    )
    finish_node(
        conn,
        node,
        event,
        status="cancelled" if interrupted else "failed",
        outcome=verdict.outcome,
        reason=verdict.reason,
        failure_kind=verdict.failure_kind,
        classifier=verdict.judged_by,
        error_message=event["error"] or verdict.reason,
        error_type="interrupt" if interrupted else "tool_error",
    )


def permission_denied(conn: sqlite3.Connection, event: dict) -> None:
    """The user or a rule denied the Agent call: it never ran."""
    node = load_node(conn, event)
    merge_tool_facts(node, event)
    reason = f"permission denied: {event['reason']}" if event["reason"] else "permission denied"
    finish_node(
        conn,
        node,
        event,
        status="cancelled",
        outcome="unknown",
        reason=reason,
        error_message=reason,
        error_type="permission_denied",
    )


def notified(conn: sqlite3.Connection, event: dict, note: dict) -> None:
    """A ``<task-notification>``: the background agent it names ended (or says how)."""
    row = None
    if note["tool_use_id"]:
        row = conn.execute(sql("select_node"), {"tool_use_id": note["tool_use_id"]}).fetchone()
    if row is None and note["task_id"]:
        row = conn.execute(sql("select_node_by_agent"), {"agent_id": note["task_id"]}).fetchone()
    if row is None:
        return  # not a subagent's (a shell task), or its launch was never recorded
    node = dict(row, _stored=dict(row))
    usage = note["usage"]
    for column, key in (("duration_ms", "duration_ms"), ("tool_use_count", "tool_uses")):
        if key in usage:
            node[column] = usage[key]
    if "total_tokens" in usage and node["usage_source"] != node_usage.TRANSCRIPT:
        node["token_count"] = usage["total_tokens"]  # a transcript's own sums stand
        node_usage.fallback_source(node, "notification")
    node["agent_id"] = node["agent_id"] or note["task_id"]
    if node["is_background"] and "duration_ms" in usage and node["started_at"]:
        end = clock.epoch(node["started_at"]) + usage["duration_ms"] / 1000
        completed_at = clock.iso(end)
    else:
        completed_at = None
    status = notification.STATUSES.get(note["status"] or "completed")
    result = note["result"] or node["result_text"]
    if status == "completed":
        verdict = plugin_calls.classify_outcome(node, result)
        finish_with_result(conn, node, event, result, verdict, completed_at)
        return
    summary = note["summary"] or f"the background subagent {note['status']}"
    finish_node(
        conn,
        node,
        event,
        status=status or "failed",
        outcome="unknown" if status == "cancelled" else "failure",
        reason=summary,
        result_text=result,
        error_message=summary,
        error_type="killed" if status == "cancelled" else "subagent_failure",
        completed_at=completed_at,
    )


def subagent_start(conn: sqlite3.Connection, event: dict) -> None:
    """A subagent starts, or a finished one is resumed (its spend is read again)."""
    if event["agent_id"]:
        conn.execute(
            sql("upsert_subagent"),
            dict(
                event, started_at=event["received_at"], stopped_at=None, last_assistant_message=None
            ),
        )
        conn.execute(sql("usage_reopen"), event)


def subagent_stop(conn: sqlite3.Connection, event: dict) -> None:
    """Link the subagent's transcript; a background subagent's stop is its result."""
    if not event["agent_id"]:
        return
    conn.execute(
        sql("upsert_subagent"), dict(event, started_at=None, stopped_at=event["received_at"])
    )
    row = conn.execute(sql("select_node_by_agent"), event).fetchone()
    if row is None:
        return
    node = dict(row, _stored=dict(row))
    subagent = linked_subagent(conn, node)
    if node["status"] in node_usage.FINAL and node["usage_source"] == node_usage.TRANSCRIPT:
        node["usage_complete"] = 0  # stopped after it ended (resumed, or outlived its session)
    if node["is_background"] and not finished(node) and event["last_assistant_message"]:
        finish_background(conn, node, event, subagent)
    else:
        if node["is_background"]:
            clear_subagent_message(conn, node)
        save_node(conn, node, event)


def finish_background(conn: sqlite3.Connection, node: dict, event: dict, subagent) -> None:
    """Complete a background node from its subagent's last message."""
    result = subagent["last_assistant_message"]
    verdict = plugin_calls.classify_outcome(node, result)
    finish_with_result(conn, node, event, result, verdict, subagent["stopped_at"])
    clear_subagent_message(conn, node)


def finish_with_result(
    conn: sqlite3.Connection,
    node: dict,
    event: dict,
    result: str | None,
    verdict: tuple,
    completed_at: str | None = None,
) -> None:
    """Finish a node that returned a result: completed, or failed when it reported failure."""
    failed = verdict.outcome == "failure"
    finish_node(
        conn,
        node,
        event,
        status="failed" if failed else "completed",
        outcome=verdict.outcome,
        reason=verdict.reason,
        failure_kind=verdict.failure_kind,
        classifier=verdict.judged_by,
        result_text=result,
        error_type="subagent_failure" if failed else None,
        completed_at=completed_at,
    )


def linked_subagent(conn: sqlite3.Connection, node: dict) -> sqlite3.Row | None:
    """The subagent row of the node's agent, copying its transcript path to the node."""
    if not node["agent_id"]:
        return None
    subagent = conn.execute(sql("select_subagent"), node).fetchone()
    if subagent is not None and subagent["transcript_path"]:
        node["agent_transcript_path"] = subagent["transcript_path"]
    if subagent is not None and not node["agent_type"] and subagent["agent_type"]:
        node["agent_type"] = subagent["agent_type"]
    if subagent is not None and not node["is_background"]:
        clear_subagent_message(conn, node)
    return subagent


def clear_subagent_message(conn: sqlite3.Connection, node: dict) -> None:
    """The node holds the result now; the subagent row need not keep a copy."""
    conn.execute(sql("clear_subagent_message"), node)


def load_node(conn: sqlite3.Connection, event: dict) -> dict:
    """The node of the event's tool_use_id, or a fresh one in the right run."""
    row = conn.execute(sql("select_node"), event).fetchone()
    if row is not None:
        if row["session_id"] and row["session_id"] != event["session_id"]:
            raise RejectedEvent(
                f"tool_use_id {event['tool_use_id']} already belongs to another session"
            )
        return dict(row, _stored=dict(row))
    node = dict.fromkeys(NODE_COLUMNS)
    node.update(
        run_id=run_for_node(conn, event),
        node_id=event["tool_use_id"],
        tool_use_id=event["tool_use_id"],
        node_type="single",
        is_background=0,
        created_at=event["received_at"],
    )
    return node


def merge_tool_facts(node: dict, event: dict) -> None:
    """Fill the node with what the event knows, never erasing what it knew."""
    facts = {
        "tool_name": event["tool_name"],
        "session_id": event["session_id"],
        "project": event["cwd"],
        "node_name": event["description"],
        "prompt": event["task_prompt"],
        "prompt_hash": prompt_hash(event["task_prompt"]),
        "agent_type": event["subagent_type"],
        "parent_agent_id": event["agent_id"],
        "model": event["task_model"],
        "agent_id": event["launched_agent_id"],
        "output_file": event["output_file"],
        "result_json": event["response_json"],
        "duration_ms": event["duration_ms"],
        "tool_use_count": event["tool_use_count"],
        "context_tokens": event["total_tokens"],
        "lines_added": event["lines_added"],
        "lines_removed": event["lines_removed"],
        "tool_stats_json": event["tool_stats"],
    }
    spent = {
        "token_count": event["total_tokens"],
        "input_tokens": event["input_tokens"],
        "output_tokens": event["output_tokens"],
        "cache_read_tokens": event["cache_read_tokens"],
        "cache_creation_tokens": event["cache_creation_tokens"],
    }
    if node["usage_source"] == node_usage.TRANSCRIPT:
        facts["model"] = None  # the transcript's numbers and model id stand
    else:
        facts.update(spent)
        if any(value is not None for value in spent.values()):
            node_usage.fallback_source(node, event.get("usage_source") or "tool_response")
    for key, value in facts.items():
        if value is not None:
            node[key] = value
    if event["run_in_background"]:
        node["is_background"] = 1
        node["node_type"] = "background"


def finished(node: dict) -> bool:
    """Whether the node reached a final status (completed, failed or cancelled)."""
    return STATUS_RANK.get(node["status"], 0) == 2


def advance(node: dict, state: dict) -> bool:
    """Apply ``state`` (status and its fields) unless it would move the status back."""
    rank, current = STATUS_RANK.get(state["status"], 0), STATUS_RANK.get(node["status"], -1)
    if rank < current:
        return False
    if rank == current == 2 and node["completed_at"]:
        state = dict(state, completed_at=None)  # a repeated finish keeps the first end time
    for key, value in state.items():
        if value is not None:
            node[key] = value
    return True


def finish_node(
    conn: sqlite3.Connection,
    node: dict,
    event: dict,
    *,
    status: str,
    outcome: str,
    reason: str,
    failure_kind: str | None = None,
    classifier: str | None = None,
    result_text: str | None = None,
    error_message: str | None = None,
    error_type: str | None = None,
    completed_at: str | None = None,
) -> None:
    """Move the node to a final status with its outcome, then save it."""
    if status in ("completed", "failed") and outcome == "failure" and error_message is None:
        error_message = reason
    before = node["status"]
    advance(
        node,
        {
            "status": status,
            "outcome": outcome,
            "outcome_reason": reason,
            "failure_kind": failure_kind if outcome == "failure" else None,
            "outcome_classifier": classifier,
            "result_text": result_text,
            "error_message": error_message,
            "error_type": error_type,
            "completed_at": completed_at or event["received_at"],
        },
    )
    save_node(conn, node, event)
    learnings.record(conn, node)
    if node["status"] != before:
        plugin_calls.node_finished(conn, node)


def fill_times(node: dict) -> None:
    """Derive the start from the duration, or the duration from start and end."""
    end = clock.epoch(node["completed_at"])
    if node["started_at"] is None:
        if end is not None and node["duration_ms"] is not None:
            node["started_at"] = clock.iso(end - node["duration_ms"] / 1000)
        else:
            node["started_at"] = node["completed_at"] or node["created_at"]
    if node["duration_ms"] is None and end is not None:
        start = clock.epoch(node["started_at"])
        if start is not None:
            node["duration_ms"] = max(0, round((end - start) * 1000))


def transcript_usage(conn: sqlite3.Connection, event: dict) -> None:
    """A kept transcript read: the node gets what its subagent spent (or the session what
    its main agent spent).

    After the session's end accepted the node's usage, even an incomplete record is final.
    """
    if event["usage_main"]:
        node_usage.apply_main(conn, event["session_id"], event["usage_record"])
        return
    row = conn.execute(sql("select_node"), event).fetchone()
    if row is None:
        return  # the node was pruned
    node = dict(row, _stored=dict(row))
    record = event["usage_record"]
    node_usage.adopt(node, record)
    node_usage.fill(node, record, final=event["usage_final"] or node["usage_complete"] == 1)
    save_node(conn, node, event, read_usage=False)
    node_usage.details(conn, node, record)


def save_node(conn: sqlite3.Connection, node: dict, event: dict, read_usage: bool = True) -> None:
    """Write the node (its transcript read and kept once it finished); runs follow."""
    fill_times(node)
    if read_usage and node_usage.wanted(node):
        node_usage.read_and_keep(conn, node, event)
    stored = node.pop("_stored", None)
    if stored is not None and all(stored[k] == node[k] for k in NODE_COLUMNS):
        return  # a repeated event: nothing to change
    node["updated_at"] = max(node["updated_at"] or "", event["received_at"])
    if node.get("id") is None:
        node["id"] = conn.execute(sql("insert_node"), node).lastrowid
        node_facts.first_saved(conn, node, event)
    else:
        conn.execute(update_statement(stored, node), node)
        if node["agent_type"] and stored is not None and not stored["agent_type"]:
            node_facts.agent_type_known(conn, node, event)
    if node["agent_id"] and (stored is None or stored["agent_id"] != node["agent_id"]):
        file_touches.link(conn, node)
    refresh_run(conn, node["run_id"], node["updated_at"], parallelism.span_changed(stored, node))
    if node_usage.spend_changed(stored, node):
        node_usage.refresh_session(conn, node["session_id"])


def update_statement(stored: dict | None, node: dict) -> str:
    """The UPDATE of the node's columns that differ from ``stored`` (all without it)."""
    changed = [c for c in UPDATED_COLUMNS if stored is None or stored[c] != node[c]]
    assignments = ", ".join(f"{column} = :{column}" for column in [*changed, "updated_at"])
    return sql("update_node").format(assignments=assignments)


HANDLERS = {
    "SessionStart": session_start,
    "SessionEnd": session_end,
    "UserPromptSubmit": user_prompt_submit,
    "Stop": stop,
    "PreToolUse": pre_tool_use,
    "PostToolUse": post_tool_use,
    "PostToolUseFailure": post_tool_use_failure,
    "PermissionDenied": permission_denied,
    "StopFailure": stop_failure,
    "SubagentStart": subagent_start,
    "SubagentStop": subagent_stop,
    "FileTouch": file_touches.record,
}
