"""Backfill: record the subagent executions found in Claude Code transcripts.

Each execution becomes the hook payloads that would have recorded it (see
``recorder.sources.transcripts``), applied through ``ingest.record`` in short
transactions, so grouping, outcome classification, redaction and idempotency
are the hook's own.  Before a unit of payloads is applied, the nodes it
touches are looked up, and only payloads that can add something are sent:

* a turn's UserPromptSubmit / Stop (and the session's SessionStart) only when
  the turn holds an execution the database does not know yet;
* a PreToolUse only for an execution the database does not know yet;
* a background launch acknowledgement only while its node is still running
  (replayed after the node finished, the store would re-classify it as an
  empty result);
* a SubagentStop for a finished node only when it brings the agent transcript
  path the node lacks;
* nothing for an execution the database knows from another session: a forked
  session's transcript copies the first session's executions, which stay as
  the first recorded them.

So running it twice, or after the hook recorded the same executions, changes
nothing, while what only the transcript knows (a background agent's tokens and
tool uses from its task notification, the agent transcript path) is filled in.

API for the command line::

    files = transcript_files(paths)            # FileNotFoundError for a missing PATH
    since = parse_since(text)                  # ValueError for a bad --since
    with click.progressbar(length=total_bytes(files)) as bar:
        report = backfill(conn, files, db=db, since=since, progress=bar.update)
    click.echo(str(report))
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator

from recorder.derive import apply as ingest
from recorder.derive import deferral, node_usage, outcome, usage
from recorder.derive.compaction import Reader
from recorder.hook import database, keep, paths, spool
from recorder.hook.clock import epoch
from recorder.hook.events import META, identifier
from recorder.schema.queries import sql
from recorder.sources import read_ahead
from recorder.sources.transcripts import (
    ACK,
    ORPHAN,
    PRE,
    STOP,
    Counters,
    Unit,
    read_file,
    stamped,
)
from recorder.timespan import parse_since_past as parse_since

__all__ = [
    "BackfillReport",
    "backfill",
    "default_root",
    "parse_since",
    "total_bytes",
    "transcript_files",
]

# Payloads per transaction: short enough that a hook waiting for the lock never spools,
# and that recording keeps pace with the workers reading ahead (a commit in WAL mode
# costs little).
BATCH_EVENTS = 100
FINAL = ("completed", "failed", "cancelled")


def default_root() -> str:
    """Where Claude Code keeps transcripts: $CLAUDE_CONFIG_DIR/projects, else ~/.claude/projects."""
    config = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
    return os.path.join(config, "projects")


def transcript_files(paths: Iterable[str | os.PathLike] | None = None) -> list[str]:
    """The transcript files to read, in order, without duplicates.

    A file is taken as given; a directory gives every ``*.jsonl`` below it
    (subagent transcripts included), sorted, so a session's own transcript
    comes before the ``<session>/subagents/`` ones.  No paths: every transcript
    under ``default_root()`` (none if it does not exist).  A path that does not
    exist raises FileNotFoundError.
    """
    if not paths:
        root = default_root()
        paths = [root] if os.path.isdir(root) else []
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        path = os.path.abspath(os.path.expanduser(os.fspath(given)))
        if os.path.isdir(path):
            candidates = []
            for directory, subdirs, names in os.walk(path):
                subdirs.sort()
                candidates += [
                    os.path.join(directory, n) for n in sorted(names) if n.endswith(".jsonl")
                ]
        elif os.path.exists(path):
            candidates = [path]
        else:
            raise FileNotFoundError(f"no such file or directory: {given}")
        for candidate in candidates:
            key = os.path.realpath(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def total_bytes(files: Iterable[str]) -> int:
    """The size of all files together: the length of a progress bar fed by ``progress``."""
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += os.path.getsize(path)
    return total


class BackfillReport(Counters):
    """What a backfill read and recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped_files = 0  # not read: last written before --since
        self.new_executions = 0
        self.events = 0
        self.dead_letters = 0  # events kept aside: the store could not record them
        self.unlinked = 0  # subagent transcripts whose session's transcript is not on disk

    def __str__(self) -> str:
        files = f"{self.files:,} file{'s' * (self.files != 1)}"
        if self.unreadable_files:
            files += f" ({self.unreadable_files:,} unreadable)"
        if self.skipped_files:
            files += f" (+{self.skipped_files:,} older than --since)"
        since = f", {self.before_since:,} before --since" if self.before_since else ""
        one = self.unlinked == 1
        unlinked = (
            f"; {self.unlinked:,} subagent transcript{'' if one else 's'} "
            f"{'has' if one else 'have'} no session transcript to record "
            f"{'it' if one else 'them'} from"
            if self.unlinked
            else ""
        )
        return (
            f"{files}, {self.lines:,} lines ({self.skipped_lines:,} skipped): "
            f"{self.executions:,} subagent executions{since}, {self.new_executions:,} new; "
            f"{self.events:,} events recorded{unlinked}"
        )

    def dead_letters_note(self) -> str | None:
        """What to say of the events that went to the dead letters, if any did."""
        if not self.dead_letters:
            return None
        events = f"{self.dead_letters:,} event{'s' * (self.dead_letters != 1)}"
        return (
            f"{events} could not be recorded and wait in the dead letters "
            "(`agent-runs doctor` says where; `agent-runs replay` retries them)"
        )


def backfill(
    conn: sqlite3.Connection,
    files: Iterable[str],
    *,
    db: str | None = None,
    since: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_events: int = BATCH_EVENTS,
    workers: int | None = 0,
) -> BackfillReport:
    """Record every Task/Agent execution in ``files``; return what was done.

    ``conn`` comes from ``database.connect``; ``db`` is its path, for dead
    letters (a payload the store cannot handle is kept there, as the hook
    does). ``since`` (from ``parse_since``) skips executions started before it.
    ``progress(n)`` is called with the number of bytes just read (so
    ``click.progressbar(length=total_bytes(files)).update`` fits); a file
    skipped whole counts too. Lines that cannot be read are counted, never fatal.
    Reading happens outside transactions; each transaction applies at most
    about ``batch_events`` payloads. ``workers`` other processes read, redact and judge
    the files ahead (``read_ahead``; 0: this process does all; None: as many as suit the
    files' size, ``read_ahead.default_workers``). A large load into a database holding
    few nodes builds the full-text index and the rollups once, at its end
    (``deferral.worth``).
    """
    report = BackfillReport()
    files = list(files)
    report.unlinked = sum(1 for path in files if unlinked(path))
    since = parse_since(since)
    load = total_bytes(files)
    if workers is None:
        workers = read_ahead.default_workers(load)
    verdicts: dict[str, outcome.Verdict] = {}
    records: dict[tuple[str, bool | None], tuple] = {}
    batch: list[Unit] = []
    size = 0
    wanted = deferral.worth(conn, load)
    dead_before = spool.waiting(db, paths.DEAD_LETTERS) if db else 0
    with deferral.deferred(conn, db, wanted), outcome.judged(verdicts), usage.lent(records):
        for unit in units(files, since, report, progress, workers, (verdicts, records)):
            batch.append(unit)
            size += len(unit.items) + 3
            if size >= batch_events:
                report.events += send(conn, batch, report, since, db)
                batch, size = [], 0
        if batch:
            report.events += send(conn, batch, report, since, db)
        database.write(conn, lambda c: main_agents(c, files, db))
    if db:
        report.dead_letters = max(0, spool.waiting(db, paths.DEAD_LETTERS) - dead_before)
    return report


def unlinked(path: str) -> bool:
    """Whether ``path`` is a subagent's transcript (``<session>/subagents/agent-<id>.jsonl``,
    not a compaction's ``agent-acompact-*``) whose session transcript is not on disk:
    executions are found in session transcripts, so nothing can record it."""
    folder, name = os.path.split(path)
    if os.path.basename(folder) != "subagents" or not name.startswith("agent-"):
        return False
    if name.startswith(usage.COMPACTION_PREFIX):
        return False
    return not os.path.exists(os.path.dirname(folder) + ".jsonl")


def main_agents(conn: sqlite3.Connection, files: Iterable[str], db: str | None) -> None:
    """The main agent's own spend of each recorded session whose transcript was read."""
    paths = json.dumps([os.path.abspath(p) for p in files])
    for row in conn.execute(sql("sessions_of_transcripts"), {"paths": paths}).fetchall():
        node_usage.main_agent(conn, row["id"], row["transcript_path"], row["at"])
    while ingest.apply_pending(conn, db):  # the reads just kept
        pass


def units(
    files: Iterable[str],
    since: str | None,
    report: BackfillReport,
    progress: Callable[[int], None] | None,
    workers: int,
    lent: tuple[dict, dict],
) -> Iterator[Unit]:
    """The units of every file, in order, with the progress of each file made whole.

    With ``workers``, other processes read the files; the verdicts and usage records
    they made ahead are added to ``lent`` (what ``outcome.judged`` and ``usage.lent``
    hold) before the file's units are yielded.
    """
    wanted = list(readable(files, since, report, progress))
    if workers < 1:
        for path, size in wanted:
            yield from read_whole(path, size, since, report, progress)
        return
    verdicts, records = lent
    sizes = iter(size for _, size in wanted)
    for found in read_ahead.in_order([path for path, _ in wanted], since, workers):
        records.update(found.records)
        if found.counters is None:
            continue  # usage reads, ahead of their session's file
        for name, count in vars(found.counters).items():
            setattr(report, name, getattr(report, name) + count)
        verdicts.update(found.verdicts)
        yield from found.units
        if progress is not None:
            progress(next(sizes))


def readable(
    files: Iterable[str],
    since: str | None,
    report: BackfillReport,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[str, int]]:
    """(path, size) of each file to read: not unreadable, not last written before ``since``
    (counted in ``report``; a file skipped whole counts in ``progress`` too)."""
    since_epoch = None if since is None else epoch(since)
    for path in files:
        try:
            size = os.path.getsize(path)
            modified = os.path.getmtime(path)
        except OSError:
            report.unreadable_files += 1
            continue
        if since_epoch is not None and modified < since_epoch:
            report.skipped_files += 1  # nothing in it was written after --since
            if progress is not None:
                progress(size)
            continue
        yield path, size


def read_whole(
    path: str,
    size: int,
    since: str | None,
    report: BackfillReport,
    progress: Callable[[int], None] | None,
) -> Iterator[Unit]:
    """The units of one file read here, with its progress made whole at the end."""
    done = 0

    def counted(n: int) -> None:
        nonlocal done
        done += n
        progress(n)

    yield from read_file(path, since, report, counted if progress is not None else None)
    if progress is not None and size > done:
        progress(size - done)


def expand(
    conn: sqlite3.Connection, unit: Unit, report: BackfillReport, since: str | None
) -> Iterator[dict]:
    """The payloads of ``unit`` that can add something, given what the database holds."""
    ids = [item[1] for item in unit.items if item[1] is not None]
    known = lookup(conn, ids) if ids else {}
    new = [item for item in unit.items if item[0] == PRE and item[1] not in known]
    if new:
        report.new_executions += len(new)
        for session in {id(item[3]): item[3] for item in new}.values():
            if not session.announced:
                session.announced = True
                yield session.start_payload()
        if unit.prompt is not None:
            yield unit.prompt
    for item in unit.items:
        kind, tool_use_id, payload = item[:3]
        if kind == ORPHAN:
            yield from orphan(conn, payload, since)
        elif sends(kind, payload, known.get(tool_use_id)):
            yield stamped(item)  # redacted only when sent
    if new and unit.stop is not None:
        yield unit.stop


def send(
    conn: sqlite3.Connection,
    batch: list[Unit],
    report: BackfillReport,
    since: str | None,
    db: str | None,
) -> int:
    """Keep and derive, in one transaction, what ``batch`` adds; return how many were kept.

    A unit that names an execution an earlier unit of the batch sent, or holds a
    notification (which looks its execution up), is looked at after what was sent is
    derived: so a forked session's copy of an execution finds the execution.
    """

    def work(conn: sqlite3.Connection) -> int:
        kept, payloads, sent = 0, [], set()
        for unit in batch:
            if any(item[1] in sent or item[0] == ORPHAN for item in unit.items):
                kept += ingest.keep_and_derive(conn, payloads, db, "backfill")
                payloads, sent = [], set()
            found = list(unkept(conn, tagged(expand(conn, unit, report, since))))
            payloads += found
            sent.update(filter(None, (payload.get("tool_use_id") for payload in found)))
        return kept + ingest.keep_and_derive(conn, payloads, db, "backfill")

    return database.write(conn, work)


def tagged(payloads: Iterable[dict]) -> Iterator[dict]:
    """The payloads marked as backfill's, so a node they create says who first recorded it."""
    for payload in payloads:
        payload[META] = dict(payload.get(META) or {}, recorded_by="backfill")
        yield payload


def unkept(conn: sqlite3.Connection, payloads: Iterable[dict]) -> Iterator[dict]:
    """The payloads an earlier backfill has not kept as they are: a re-run keeps nothing
    twice (its events would change no row, yet the kept events would grow every time)."""
    reader = Reader(conn)
    for payload in payloads:
        where = {
            "subject": identifier(payload.get("tool_use_id"))
            or identifier(payload.get("agent_id")),
            "session_id": identifier(payload.get("session_id")),
            "received_at": payload[META].get("received_at"),
        }
        earlier = conn.execute(sql("backfill_kept_before"), where).fetchall()
        if not earlier:  # the usual case: nothing to compare, no JSON to make
            yield payload
            continue
        text = keep.text(payload)  # as it would be kept
        if not any(reader.text(*row) == text for row in earlier):
            yield payload


def lookup(conn: sqlite3.Connection, tool_use_ids: list[str]) -> dict[str, sqlite3.Row]:
    rows = conn.execute(sql("backfill_known_nodes"), {"tool_use_ids": json.dumps(tool_use_ids)})
    return {row["tool_use_id"]: row for row in rows}


def sends(kind: str, payload: dict, known: sqlite3.Row | None) -> bool:
    """Whether to send the payload for a node the database knows as ``known``."""
    if known is None:
        return True
    if known["session_id"] != payload.get("session_id"):
        return False  # a forked session's copy of another session's execution
    if kind == PRE:
        return False  # its start and input are already recorded
    if kind == ACK and known["status"] not in ("running", "pending"):
        return False
    return not (
        kind == STOP
        and known["status"] in FINAL
        and (known["agent_transcript_path"] is not None or not payload.get("agent_transcript_path"))
    )


def orphan(conn: sqlite3.Connection, found: tuple, since: str | None) -> Iterator[dict]:
    """A task notification for an execution recorded before (by the hook or another file)."""
    reader, note, at = found
    row = conn.execute(
        sql("backfill_find_node"), {"tool_use_id": note["tool_use_id"], "agent_id": note["task_id"]}
    ).fetchone()
    if row is None or row["tool_name"] not in ("Task", "Agent"):
        return  # a background shell, or an agent nobody recorded
    if since is not None and (row["started_at"] or "") < since:
        return
    for kind, payload, when in reader.orphan(dict(row), note, at):
        if sends(kind, payload, row):
            yield keep.stamp(payload, when)
