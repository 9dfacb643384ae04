"""The derivation step that gives a finished node what its subagent really spent.

Two halves with a clean seam between them, the kept event:

* ``read_and_keep(conn, node, event)``, when derivation saves a finished node whose usage
  is not settled: unless a settled read of its transcript is kept already, it reads the
  transcript (``transcript_path`` and ``usage.read`` are the only parts that touch files)
  and appends the usage record as a kept event (source ``transcript``, subject the node's
  tool_use_id), when it is new. So a rebuild never reads the file again: the kept event,
  later in order, brings the numbers. A call whose result named no subagent (one that
  failed or was interrupted) finds its transcript by the sidecar that names the call.
* Deriving that kept event applies the record: ``adopt(node, record)`` gives such a call
  its agent id, ``fill(node, record)`` and ``details(conn, node, record)`` set the token,
  call, model and cost columns, the ``node_tools`` counts, and the files the subagent
  read and wrote (``file_touches``, ``files_modified``).

A transcript that is not complete yet (or not on disk yet) leaves the node with
``usage_complete = 0``; each later turn's start and end (and the session's start again)
read it again when it is on disk (keeping a new record only when it changed), and the
session's end accepts what is there. Without a readable transcript the node keeps the
fallback numbers (``usage_source`` ``notification`` or ``tool_response``). Standard
library only.
"""

from __future__ import annotations

import os
import sqlite3

from recorder.derive import file_touches, prices, usage
from recorder.derive.compaction import Reader
from recorder.hook import keep
from recorder.hook.events import META, TRANSCRIPT_USAGE
from recorder.redaction import configured as redaction
from recorder.schema.queries import sql

FINAL = frozenset({"completed", "failed", "cancelled", "abandoned"})
TRANSCRIPT = "transcript"
# error_type of a call that never started a subagent (recorder.derive.store)
NEVER_RAN = frozenset({"permission_denied", "not_started"})


def wanted(node: dict) -> bool:
    """Whether the node is finished, has (or may find) a subagent, and its usage is not
    settled yet."""
    found = node["agent_id"] or node["tool_use_id"]
    return bool(found) and node["status"] in FINAL and node["usage_complete"] != 1


def transcript_path(conn: sqlite3.Connection, node: dict) -> str | None:
    """SubagentStop's ``agent_transcript_path``, else the path beside the session transcript;
    for a call whose result named no subagent, the transcript whose sidecar names the call."""
    known = node["agent_transcript_path"]
    if not node["agent_id"] and not known and node["error_type"] in NEVER_RAN:
        return None  # denied, or cancelled before it started: no subagent to look for
    session_transcript = None if known else _session_transcript(conn, node["session_id"])
    if not node["agent_id"] and not known:
        return usage.agent_of_call(node["tool_use_id"], node["session_id"], session_transcript)
    return _path(node, session_transcript)


def _path(node: dict, session_transcript: str | None) -> str | None:
    return node["agent_transcript_path"] or usage.agent_transcript(
        node["agent_id"], node["session_id"], session_transcript
    )


def _session_transcript(conn: sqlite3.Connection, session_id: str) -> str | None:
    row = conn.execute(sql("session_transcript"), {"session_id": session_id}).fetchone()
    return row and row[0]


def read_and_keep(conn: sqlite3.Connection, node: dict, event: dict) -> None:
    """Read the finished node's transcript and keep the record, unless one is settled.

    A record is settled when it was complete, or read at the session's end (which
    accepts what is there), and the file has not grown since (a resumed subagent writes
    on in the same file). A new record is kept only when it differs from the last one
    kept; with nothing readable and nothing kept, the node keeps its fallback numbers.
    """
    path = transcript_path(conn, node)
    if path is None and not node["agent_id"]:
        nothing_ran(node)
        return
    final = event["event"] == "SessionEnd"
    if final:
        node["usage_complete"] = 1
    records = conn.execute(sql("kept_transcript_records"), node)
    kept = [payload[META] for _, payload in Reader(conn).rows(records)]
    if kept and settled(kept[0]) and not grown(path, kept[0]):
        node["usage_complete"] = 1
        return
    record = usage.read(path) if path else None
    if record is None or not record["responses"]:
        if not kept and node["agent_id"]:  # a call with no agent changes by a kept read only
            fill(node, None, final)
        elif not kept:  # the same as when no file was found: a rebuild reads no file
            nothing_ran(node)
        return
    payload = keepable(
        {
            "hook_event_name": TRANSCRIPT_USAGE,
            "session_id": node["session_id"],
            "tool_use_id": node["tool_use_id"],
            META: {"final": final},
        },
        record,
        event["received_at"],
    )
    if not kept or not same_record(payload, kept[0]):  # else read again, unchanged
        keep.append(conn, [payload], TRANSCRIPT)


NOTHING_SPENT = "no subagent ran: nothing spent"
NONE_FOUND = "no usage of a subagent found for this call: cost unknown"
UNREAD = "no readable subagent transcript: cost unknown"


def nothing_ran(node: dict) -> None:
    """A call denied or cancelled before it started a subagent spent nothing: its cost is
    0, not unknown. Any other call with no subagent known and no usage kept (it failed,
    or its session ended while it ran) may have run one: its cost is unknown, and says
    so, the same whether a file was found empty or not at all (a rebuild reads none)."""
    if node["token_count"] is not None or node["cost_usd"] is not None:
        return
    if node["error_type"] in NEVER_RAN:
        node["cost_usd"], node["cost_note"] = 0.0, NOTHING_SPENT
    elif node["cost_note"] is None:
        node["cost_note"] = NONE_FOUND


def keepable(envelope: dict, record: dict, at: str) -> dict:
    """The stamped kept event of a transcript read, its record's free text redacted.

    Only the record's path, sidecar meta and file paths are free text; the rest are
    ids, tool and model names, numbers and times, so the (costly) redaction of every
    string is spared. Each distinct path is redacted once.
    """
    seen: dict[str, object] = {}

    def clean(text: object) -> object:
        if isinstance(text, str) and text not in seen:
            seen[text] = redaction.redact_text(text)
        return seen.get(text, text) if isinstance(text, str) else text

    tools = [
        dict(tool, file=clean(tool["file"])) if "file" in tool else tool
        for tool in record.get("tools") or []
    ]
    payload = keep.stamp(envelope, at)
    payload[META]["usage"] = dict(
        record,
        path=clean(record.get("path")),
        meta=redaction.redact(record.get("meta")),
        tools=tools,
    )
    return payload


def same_record(payload: dict, kept: dict) -> bool:
    """Whether a stamped read holds the record a kept read's META holds (as stored)."""
    return keep.unpack(keep.pack(payload))[META]["usage"] == kept["usage"]


def grown(path: str | None, meta: dict) -> bool:
    """Whether the transcript is longer than when the kept read was made (its subagent was
    resumed and wrote more); a file that is gone has not grown (a rebuild reads no file)."""
    try:
        return path is not None and os.path.getsize(path) > meta["usage"].get("bytes", 0)
    except OSError:
        return False


def settled(meta: dict) -> bool:
    """Whether a kept transcript read needs no further read: complete, or the session's end."""
    return meta.get("final") is True or bool(meta["usage"].get("complete"))


def fill(node: dict, record: dict | None, final: bool = False) -> None:
    """Set the node's usage columns from ``record`` (or mark the fallback numbers).

    A transcript with no API response in it (none written yet) counts as unread.
    """
    if record is None or not record["responses"]:
        node["usage_complete"] = 1 if final else 0
        if node["usage_source"] != TRANSCRIPT:
            node["cost_usd"] = None
            node["cost_note"] = UNREAD
        return
    found = usage.columns(usage.with_final_output(record, node["result_json"]), prices.load())
    if final:
        found["usage_complete"] = 1
    if found["model"] is None:
        found["model"] = node["model"]
    node.update(found)


def adopt(node: dict, record: dict) -> None:
    """A call whose result named no subagent takes the one whose transcript was read for
    it: the transcript's sidecar names the call (``usage.agent_of_call``)."""
    if node["agent_id"] or (record.get("meta") or {}).get("toolUseId") != node["tool_use_id"]:
        return
    agent_id = usage.agent_id_of(record.get("path"))
    if agent_id:
        node["agent_id"] = agent_id
        node["agent_transcript_path"] = node["agent_transcript_path"] or record["path"]


def fallback_source(node: dict, source: str) -> None:
    """Mark numbers from a notification or a tool_response (never over a transcript's)."""
    if node["usage_source"] != TRANSCRIPT:
        node["usage_source"] = source


def details(conn: sqlite3.Connection, node: dict, record: dict) -> None:
    """The subagent's own tool calls by name, and the files it read and wrote."""
    if not record["responses"]:
        return
    conn.execute(sql("delete_node_tools"), {"node_id": node["id"]})
    conn.executemany(
        sql("insert_node_tool"),
        [
            {"node_id": node["id"], "tool_name": name, "calls": calls, "errors": errors}
            for name, calls, errors in usage.tool_counts(record)
        ],
    )
    touched = [tool for tool in record.get("tools") or [] if "file" in tool]
    conn.executemany(
        sql("upsert_file_touch"),
        [
            {
                "tool_use_id": tool["id"],
                "session_id": node["session_id"],
                "agent_id": node["agent_id"],
                "agent_type": node["agent_type"],
                "node_id": node["id"],
                "run_id": node["run_id"],
                "cwd": node["project"],
                "tool_name": tool["name"],
                "file_path": tool["file"],
                "access": tool["access"],
                "received_at": tool.get("at") or node["started_at"],
                "completed_at": None if tool.get("error") else tool.get("done"),
            }
            for tool in touched
        ],
    )
    wrote = any(tool["access"] == "write" for tool in touched)
    if wrote:
        file_touches.refresh_files_modified(conn, node["id"])


def pending(conn: sqlite3.Connection, session_id: str, final: bool) -> list[dict]:
    """The session's finished nodes whose transcript is to be read again: at the session's
    end all of them; before it, those whose transcript is on disk (reading a missing one
    changes nothing, and a long session may hold hundreds)."""
    found = conn.execute(sql("usage_pending_nodes"), {"session_id": session_id}).fetchall()
    if found and not final:
        session_transcript = _session_transcript(conn, session_id)
        found = [node for node in found if _is_file(_path(node, session_transcript))]
    return [dict(conn.execute(sql("select_node_by_id"), {"id": n["id"]}).fetchone()) for n in found]


def _is_file(path: str | None) -> bool:
    return bool(path) and os.path.isfile(path)


def main_agent(conn: sqlite3.Connection, session_id: str, path: str | None, at: str) -> None:
    """Read the session transcript's non-sidechain lines: keep the main agent's record.

    The requests that compacted the main agent's context are its own spend too; Claude
    Code writes each in ``<session>/subagents/agent-acompact-*.jsonl``, and their
    responses join the record. Kept (received ``at``) when it differs from the last one
    kept; deriving it sets the session's main-agent columns (``apply_main``), so a
    rebuild needs no file.
    """
    record = usage.read(path, sidechain_only=False) if path else None
    if record is None:
        return
    for compaction in compactions(path):
        found = usage.read(compaction)
        if found is not None:
            record["responses"] = record["responses"] + found["responses"]
    payload = keepable(
        {"hook_event_name": TRANSCRIPT_USAGE, "session_id": session_id, META: {"main": True}},
        record,
        at,
    )
    last = conn.execute(sql("kept_main_agent_record"), {"session_id": session_id}).fetchone()
    if last is None or not same_record(payload, Reader(conn).payload(*last)[META]):
        keep.append(conn, [payload], TRANSCRIPT)


def compactions(session_transcript: str) -> list[str]:
    """The transcripts of the main agent's context compactions, beside its subagents'."""
    folder = usage.subagents_folder(session_transcript)
    try:
        names = sorted(os.listdir(folder))
    except (OSError, ValueError):
        return []
    return [
        os.path.join(folder, name)
        for name in names
        if name.startswith(usage.COMPACTION_PREFIX) and name.endswith(".jsonl")
    ]


def apply_main(conn: sqlite3.Connection, session_id: str, record: dict) -> None:
    """The main agent's own spend from a kept record of the session transcript."""
    found = usage.columns(record, prices.load())
    conn.execute(sql("set_main_agent_usage"), dict(found, session_id=session_id))
    refresh_session(conn, session_id)


def spend_changed(stored: dict | None, node: dict) -> bool:
    """Whether saving ``node`` (``stored`` as it was, None if new) changes its session's
    spend: its cost, or whether it counts as unpriced (finished, cost unknown)."""
    return stored is None or (stored["cost_usd"], unpriced(stored)) != (
        node["cost_usd"],
        unpriced(node),
    )


def unpriced(node: dict) -> bool:
    return node["cost_usd"] is None and node["status"] not in ("running", "pending")


def refresh_session(conn: sqlite3.Connection, session_id: str | None) -> None:
    """The session's cost: its subagents' plus its main agent's."""
    if session_id:
        conn.execute(sql("refresh_session_cost"), {"session_id": session_id})
