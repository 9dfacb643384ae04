"""Compaction: the kept events of a quiet session compressed together, each text about once.

The hook keeps each event compressed alone, which is quick but stores again what the
session's other events hold: the prompt in PreToolUse, SubagentStart and PostToolUse,
the report in SubagentStop and PostToolUse, the session's ids and paths in every event.
Off the hook's path (the derivation worker when it goes idle, and bulk builds), the
loose events of a session received more than ``QUIET_SECONDS`` ago are moved into
blocks (``kept_blocks``, see m023): one ``codec.deflate`` stream of lines
``<id>\\t<JSON>``, at most ``BLOCK_EVENTS`` events or ``BLOCK_BYTES`` of JSON each. The
kept event's row stays (id, times, source, session, subject) and its content is
unchanged: ``Reader`` gives the same payload either way, so derivation and ``rebuild``
never see the difference.

Before prune deletes events held by a block, ``loosen`` puts the block's events back
into their rows and deletes the block, so nothing pruned stays in a block.

    with_blocks = compact(conn, quiet=clock.now())   # everything, e.g. after a bulk build
    payload = Reader(conn).payload(kept_id, event, block_id)
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable

from recorder.hook import clock, codec, database, keep
from recorder.schema.queries import sql

QUIET_SECONDS = 600
LEAST_EVENTS = 4
BLOCK_EVENTS = 200
BLOCK_BYTES = 512 * 1024
SESSIONS_PER_CALL = 50


class Reader:
    """Payloads of kept-event rows, each block decompressed once per reader."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.blocks: dict[int, dict[bytes, bytes]] = {}

    def payload(self, kept_id: int, event: bytes, block_id: int | None) -> dict:
        """The payload of the kept event ``kept_id`` (its row's ``event`` and ``block_id``)."""
        return keep.parse(self.text(kept_id, event, block_id))

    def text(self, kept_id: int, event: bytes, block_id: int | None) -> bytes:
        """The JSON of the kept event ``kept_id``, as ``keep.text`` made it."""
        if block_id is None:
            return codec.inflate(event)
        return self.lines(block_id)[b"%d" % kept_id]

    def rows(self, rows: Iterable[tuple[int, bytes, int | None]]) -> list[tuple[int, dict]]:
        """(id, payload) for rows of (id, event, block_id)."""
        return [(kept_id, self.payload(kept_id, event, block)) for kept_id, event, block in rows]

    def lines(self, block_id: int) -> dict[bytes, bytes]:
        """id -> JSON of every event in a block."""
        if block_id not in self.blocks:
            (data,) = self.conn.execute(sql("kept_block"), (block_id,)).fetchone()
            self.blocks[block_id] = members(data)
        return self.blocks[block_id]


def members(data: bytes) -> dict[bytes, bytes]:
    """id -> JSON of the events in a block's data."""
    return dict(line.split(b"\t", 1) for line in codec.inflate(data).split(b"\n"))


def compact(
    conn: sqlite3.Connection,
    quiet: str | None = None,
    *,
    sessions: int = SESSIONS_PER_CALL,
    seconds: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Move loose events received before ``quiet`` (default: ``QUIET_SECONDS`` ago) into
    blocks, for at most ``sessions`` sessions with ``LEAST_EVENTS`` or more, stopping
    after ``seconds`` if given; one write transaction per block. Returns how many events
    were moved."""
    quiet = quiet or clock.iso(time.time() - QUIET_SECONDS)
    deadline = None if seconds is None else time.monotonic() + seconds
    found = conn.execute(
        sql("compact_sessions"), {"quiet": quiet, "least": LEAST_EVENTS, "limit": sessions}
    ).fetchall()
    moved = 0
    for (session_id,) in found:
        while True:
            done = database.write(conn, lambda c, s=session_id: compact_block(c, s, quiet))
            moved += done
            if progress and done:
                progress(done)
            if deadline is not None and time.monotonic() > deadline:
                return moved
            if not done:
                break
    return moved


def compact_block(conn: sqlite3.Connection, session_id: str | None, quiet: str) -> int:
    """One block of a session's oldest loose events (the caller holds the transaction)."""
    params = {"session_id": session_id, "quiet": quiet, "limit": BLOCK_EVENTS}
    lines, size = [], 0
    for kept_id, event in conn.execute(sql("compact_loose"), params):
        text = codec.inflate(event)
        if b"\n" in text:  # not compact JSON: it stays alone
            continue
        lines.append((kept_id, b"%d\t" % kept_id + text))
        size += len(text)
        if size >= BLOCK_BYTES:
            break
    if len(lines) < LEAST_EVENTS:
        return 0
    data = codec.deflate(b"\n".join(line for _, line in lines), 9)
    block_id = conn.execute(sql("compact_block"), {"events": len(lines), "data": data}).lastrowid
    conn.executemany(
        sql("compact_event"), [{"block_id": block_id, "id": kept_id} for kept_id, _ in lines]
    )
    return len(lines)


def loosen(conn: sqlite3.Connection, block_ids: Iterable[int]) -> int:
    """Put every event of these blocks back into its own row and delete the blocks
    (the caller holds the transaction). Returns how many events were put back."""
    loose = 0
    for block_id in set(block_ids):
        row = conn.execute(sql("kept_block"), (block_id,)).fetchone()
        if row is None:
            continue
        events = [
            {"id": int(kept_id), "event": codec.deflate(text)}
            for kept_id, text in members(row[0]).items()
        ]
        conn.executemany(sql("loosen_event"), events)
        conn.execute(sql("loosen_block"), (block_id,))
        loose += len(events)
    return loose
