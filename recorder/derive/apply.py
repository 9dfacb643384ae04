"""From raw hook payloads to kept events and rows: redact, keep, normalise, apply; replay."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from recorder.derive import store
from recorder.derive import sync as derive
from recorder.hook import database, keep, paths, spool
from recorder.hook.events import META, RejectedEvent, mapping, normalise
from recorder.hook.keep import stamp
from recorder.schema.queries import sql


class NotOurs(Exception):
    """An event agent-runs does not record (another tool, another hook event)."""


def accepted(payload: dict) -> bool:
    """Whether a stamped payload is one agent-runs records (RejectedEvent for junk)."""
    return normalise(payload, payload[META]["received_at"]) is not None


def apply_payload(conn: sqlite3.Connection, payload: dict) -> None:
    """Record one stamped payload; NotOurs for events we skip, RejectedEvent for junk."""
    apply_event(conn, require(normalise(payload, payload[META]["received_at"])))


def require(event: dict | None) -> dict:
    """The normalised event; NotOurs when normalising said we skip it."""
    if event is None:
        raise NotOurs("not an event agent-runs records")
    return event


def apply_event(conn: sqlite3.Connection, event: dict) -> None:
    """Record one normalised event inside a savepoint, so a failure leaves no trace."""
    conn.execute("SAVEPOINT event")
    try:
        store.apply(conn, event)
    except BaseException:
        conn.execute("ROLLBACK TO event")
        conn.execute("RELEASE event")
        raise
    conn.execute("RELEASE event")


def record(
    conn: sqlite3.Connection,
    payloads: Iterable[dict],
    db: str | None = None,
    source: str = "backfill",
) -> int:
    """Keep stamped payloads and derive them, in one transaction. Return how many were kept.

    A payload the normaliser rejects goes to the dead letters (when ``db`` is known).
    """

    def work(conn: sqlite3.Connection) -> int:
        kept = keep.append(conn, (p for p in payloads if accept_or_keep(p, db)), source)
        derive.apply_pending(conn, db)
        return kept

    return database.write(conn, work)


def accept_or_keep(payload: dict, db: str | None) -> bool:
    """Whether to keep a payload; one the normaliser rejects becomes a dead letter."""
    try:
        return accepted(payload)
    except RejectedEvent as exc:
        if db is None:
            raise
        spool.dead_letter(db, f"{type(exc).__name__}: {exc}", payload)
        return False


def apply_or_keep(
    conn: sqlite3.Connection, payload: dict, db: str | None, kept_id: int | None = None
) -> bool:
    """Apply a payload; one we cannot handle goes to the dead letters (when ``db`` is known),
    with the id of its kept event (``kept_id``) so that replay derives that one again."""
    try:
        apply_payload(conn, payload)
        return True
    except NotOurs:
        return False
    except Exception as exc:  # our normaliser or store failed on this event: keep it
        unwritable = isinstance(exc, sqlite3.Error) and database.unwritable(exc)
        if unwritable or db is None:
            raise
        if kept_id is not None:
            payload = dict(payload, **{META: dict(payload[META], kept_id=kept_id)})
        spool.dead_letter(db, f"{type(exc).__name__}: {exc}", payload)
        return False


class ReplayReport:
    """What a replay did: events recorded, skipped, still failing."""

    def __init__(self) -> None:
        self.recorded = 0
        self.skipped = 0
        self.still_failing = 0
        self.left_for_later = 0

    def __str__(self) -> str:
        return (
            f"{self.recorded} recorded, {self.skipped} skipped, "
            f"{self.still_failing} still failing, {self.left_for_later} left for later"
        )


def replay(
    conn: sqlite3.Connection, db: str, limit: int | None = None, dead_letters: bool = True
) -> ReplayReport:
    """Ingest the spool and (with ``dead_letters``) retry the dead letters, at most ``limit``.

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

    def work(conn: sqlite3.Connection) -> None:
        for path, name in claimed:
            rest = leftovers[path] = []
            for record, line in spool.read_records(path):
                if limit is not None and report.recorded + report.skipped >= limit:
                    rest.append(line)
                    report.left_for_later += 1
                    continue
                replay_one(conn, db, name, record, line, report, rest)

    try:
        database.write(conn, work)
    except BaseException:
        for path, _ in claimed:
            spool.let_go(path)  # not ingested: the next replay takes the files over
        raise
    for path, name in claimed:
        spool.release(path, name, leftovers.get(path, []))
    return report


def replay_one(
    conn: sqlite3.Connection,
    db: str,
    name: str,
    record: dict | None,
    line: str,
    report: ReplayReport,
    still_failing: list[str],
) -> None:
    """Replay one kept line; a dead letter that fails again stays where it was."""
    payload = record
    if name == paths.DEAD_LETTERS and record is not None:
        payload = record.get("payload")
        if payload is None and isinstance(record.get("raw"), str):
            try:
                payload = json.loads(record["raw"].lstrip("\ufeff"))
            except (ValueError, RecursionError):
                payload = None
    try:
        if not isinstance(payload, dict):
            raise RejectedEvent("not a JSON object")
        kept_id = mapping(payload.get(META)).get("kept_id")
        if kept_id is not None and conn.execute(sql("kept_event"), (kept_id,)).fetchone():
            apply_event(conn, require(normalise(payload, payload[META]["received_at"])))
        else:
            stamped = stamp(payload)
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
