"""Keeping events: the redacted, stamped payload appended to ``kept_events`` (stdlib only).

This is all the hook does with the database; every table is derived from these rows
later (``recorder.derive.sync``). A kept event's content never changes: compaction
(``recorder.derive.compaction``) may move it into a block, and only prune deletes it.
"""

import json
import sqlite3
from collections.abc import Iterable

from recorder.hook import clock, codec
from recorder.hook.events import META, identifier
from recorder.plugins import calls as plugin_calls
from recorder.redaction.configured import redact
from recorder.schema.queries import sql

SOURCES = frozenset({"hook", "backfill", "replay", "conductor", "demo", "transcript"})


def stamp(payload: dict, received_at: str | None = None) -> dict:
    """The payload, redacted, with the time it was received kept inside it.

    Keeping the time in the payload makes replays and backfills write the same rows.
    """
    clean = plugin_calls.redact(redact(payload))
    meta = clean.get(META) if isinstance(clean.get(META), dict) else {}
    kept = clock.sane(meta.get("received_at") if isinstance(meta.get("received_at"), str) else None)
    clean[META] = dict(meta, received_at=kept or received_at or clock.now())
    return clean


def pack(payload: dict) -> bytes:
    """A stamped payload as stored: compact UTF-8 JSON, compressed by ``codec.deflate``."""
    return codec.deflate(text(payload))


def text(payload: dict) -> bytes:
    """A stamped payload as compact UTF-8 JSON (what ``pack`` compresses)."""
    found = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return found.encode("utf-8", "surrogatepass")


def unpack(blob: bytes) -> dict:
    """The payload of a kept event stored alone."""
    return parse(codec.inflate(blob))


def parse(text: bytes) -> dict:
    """A payload from its stored JSON (what ``pack`` compresses)."""
    return json.loads(text.decode("utf-8", "surrogatepass"))


def append(conn: sqlite3.Connection, payloads: Iterable[dict], source: str) -> int:
    """Append stamped payloads as kept events (the caller holds the transaction)."""
    if source not in SOURCES:
        raise ValueError(f"unknown event source {source!r}")
    rows = [
        {
            "received_at": payload[META]["received_at"],
            "source": source,
            "session_id": identifier(payload.get("session_id")),
            "subject": identifier(payload.get("tool_use_id"))
            or identifier(payload.get("agent_id")),
            "event": pack(payload),
        }
        for payload in payloads
    ]
    conn.executemany(sql("keep_event"), rows)
    return len(rows)
