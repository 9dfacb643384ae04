"""Backfill's worker processes: transcripts read, redacted and judged ahead of derivation.

Recording is one writer in order; everything before it is per file and needs no
database. So with workers, each transcript file is handed to another process, which

- reads its units (``transcripts.read_file``),
- stamps (redacts) every payload of them that backfill may send,
- judges the reports in them with the text model (``outcome.judge_ahead``), and
- when the file is a session's own transcript, reads the usage of the session's main
  agent and of every subagent transcript in its ``subagents/`` folder
  (``usage.read_signed``),

and the recording process takes the files back in order, lending the verdicts and usage
records to derivation (``outcome.judged``, ``usage.lent``), which then uses them instead of
doing the work itself. The rows are the same either way; only where the time is spent
differs.
"""

from __future__ import annotations

import functools
import glob
import os
from collections.abc import Iterator

from recorder.derive import outcome, usage
from recorder.sources.bulk import reports
from recorder.sources.pool import ordered_map
from recorder.sources.transcripts import ORPHAN, Counters, Unit, read_file, stamped

# Below this much transcript, starting processes costs more than it saves.
PARALLEL_BYTES = 8 << 20


class FileAhead:
    """What a worker made of one transcript file."""

    __slots__ = ("counters", "units", "verdicts", "records")

    def __init__(self, counters: Counters, units: list[Unit]) -> None:
        self.counters = counters
        self.units = units
        self.verdicts: dict[str, outcome.Verdict] = {}
        self.records: dict[tuple[str, bool | None], tuple] = {}


def default_workers(size: int) -> int:
    """How many worker processes suit ``size`` bytes of transcripts: none for a little,
    else one per CPU (the recording process mostly waits for the database meanwhile)."""
    return 0 if size < PARALLEL_BYTES else max(1, min(8, os.cpu_count() or 1))


def read_ahead(path: str, since: str | None) -> FileAhead:
    """One file's units, their payloads stamped, their reports judged, usage read."""
    counters = Counters()
    units = list(read_file(path, since, counters))
    found = FileAhead(counters, units)
    payloads = []
    for unit in units:
        unit.items = [item if item[0] == ORPHAN else (*item, stamped(item)) for item in unit.items]
        payloads += [item[5] for item in unit.items if item[0] != ORPHAN]
        payloads += [p for p in (unit.prompt, unit.stop) if p is not None]
    found.verdicts = outcome.judge_ahead(reports(payloads))
    mine = os.path.abspath(path)
    sessions = {item[3].session_id: item[3] for u in units for item in u.items if item[0] != ORPHAN}
    for session in sessions.values():
        if os.path.abspath(session.transcript_path) != mine:
            continue  # a subagent's own file: its session's file reads the usage
        main = session.transcript_path
        found.records[(main, False)] = usage.read_signed(main, False)
        folder = os.path.join(os.path.dirname(mine), session.session_id, "subagents")
        for agent in sorted(glob.glob(os.path.join(glob.escape(folder), "agent-*.jsonl"))):
            found.records[(agent, None)] = usage.read_signed(agent)
    return found


def in_order(files: list[str], since: str | None, workers: int) -> Iterator[FileAhead]:
    """:func:`read_ahead` of every file, by ``workers`` processes, in the files' order."""
    return ordered_map(functools.partial(read_ahead, since=since), files, workers)
