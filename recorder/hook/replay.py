"""Replay: keep what waits in the spool, and retry the dead letters.

The hook replays the spool before keeping its own event (``handle.record``); the
``agent-runs replay`` command replays both files. A dead letter our derivation failed
on names its kept event (``kept_id``): that one is derived again, through the
``rederive`` callable the command passes in, so it is never kept twice and this module
needs nothing from derivation. Standard library only.
"""

from __future__ import annotations

import json
import sqlite3

from recorder.hook import database, keep, paths, spool
from recorder.hook.events import META, NotOurs, RejectedEvent, accepted, mapping
from recorder.schema.queries import sql

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported on the hook path
    from collections.abc import Callable

    Rederive = Callable[[sqlite3.Connection, dict], None]


class ReplayReport:
    """What a replay did: events recorded, skipped, still failing."""

    def __init__(self) -> None:
        self.recorded = 0
        self.skipped = 0
        self.still_failing = 0
        self.left_for_later = 0
        self.not_events = 0  # of those still failing: no JSON object, so never an event

    def __str__(self) -> str:
        return (
            f"{self.recorded} recorded, {self.skipped} skipped, "
            f"{self.still_failing} still failing, {self.left_for_later} left for later"
        )


def replay(
    conn: sqlite3.Connection,
    db: str,
    limit: int | None = None,
    dead_letters: bool = True,
    rederive: Rederive | None = None,
) -> ReplayReport:
    """Ingest the spool and (with ``dead_letters``) retry the dead letters, at most ``limit``.

    ``rederive(conn, payload)`` derives a dead letter's kept event again (raising
    ``NotOurs`` for one it skips); without it such a dead letter stays where it is.

    Replayed events become kept events (derived by the next sync). Files are claimed
    first and removed only after the transaction commits, so a crash or a failed write
    leaves them to be replayed again: nothing lost.
    """
    report = ReplayReport()
    claimed = [(p, paths.SPOOL) for p in spool.claim(db, paths.SPOOL)]
    if dead_letters:
        claimed += [(p, paths.DEAD_LETTERS) for p in spool.claim(db, paths.DEAD_LETTERS)]
    if not claimed:
        return report
    leftovers: dict[str, list[str]] = {}
    unread: dict[str, bytes] = {}

    def work(conn: sqlite3.Connection) -> None:
        for path, name in claimed:
            rest = leftovers[path] = []
            with spool.Records(path) as records:
                for record, line in records:
                    if limit is not None and report.recorded + report.skipped >= limit:
                        # the rest goes back as it is: a large spool is copied, not parsed
                        unread[path] = records.unread()
                        report.left_for_later += spool.lines_in(unread[path])
                        break
                    replay_one(conn, db, name, record, line, report, rest, rederive)

    try:
        database.write(conn, work)
    except BaseException:
        for path, _ in claimed:
            spool.let_go(path)  # not ingested: the next replay takes the files over
        raise
    for path, name in claimed:
        spool.release(path, name, leftovers.get(path, []), unread.get(path, b""))
    return report


def replay_one(
    conn: sqlite3.Connection,
    db: str,
    name: str,
    record: dict | None,
    line: str,
    report: ReplayReport,
    still_failing: list[str],
    rederive: Rederive | None = None,
) -> None:
    """Replay one kept line; a dead letter that fails again stays where it was."""
    payload = letter_payload(record) if name == paths.DEAD_LETTERS else record
    try:
        if payload is None:
            if name == paths.DEAD_LETTERS:
                report.not_events += 1
            raise RejectedEvent("not a JSON object")
        kept_id = mapping(payload.get(META)).get("kept_id")
        if kept_id is not None and conn.execute(sql("kept_event"), (kept_id,)).fetchone():
            if rederive is None:
                raise RuntimeError("derivation is not available here")
            rederive(conn, payload)
        else:
            stamped = keep.stamp(payload)
            if not accepted(stamped):
                raise NotOurs(stamped.get("hook_event_name"))
            keep.append(conn, [stamped], "replay")
        report.recorded += 1
    except NotOurs:
        report.skipped += 1
    except Exception as exc:
        if isinstance(exc, sqlite3.Error) and database.unwritable(exc):
            raise
        report.still_failing += 1
        if name == paths.DEAD_LETTERS:
            still_failing.append(line)
        else:
            error = f"{type(exc).__name__}: {exc}"
            raw = None if record is not None else line  # a cut-off or junk line, as it was
            try:
                spool.dead_letter(db, error, payload, raw)
            except (ValueError, RecursionError):  # nested too deep to write as JSON
                spool.dead_letter(db, error, raw=line)


def letter_payload(record: dict | None) -> dict | None:
    """The event a dead letter holds (its payload, else its raw input parsed), or None when
    it holds no JSON object: input that can never replay as an event."""
    if record is None:
        return None
    payload = record.get("payload")
    if payload is None and isinstance(record.get("raw"), str):
        try:
            payload = json.loads(record["raw"].lstrip("\ufeff"))
        except (ValueError, RecursionError):
            payload = None
    return payload if isinstance(payload, dict) else None


def not_events(path: str) -> int:
    """How many dead letters in the file ``path`` hold no JSON object (they never replay)."""
    try:
        return sum(letter_payload(record) is None for record, _ in spool.read_records(path))
    except OSError:
        return 0
