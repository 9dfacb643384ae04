"""Backfill's worker processes: transcripts read, redacted and judged ahead of derivation.

Recording is one writer in order; everything before it is per file and needs no
database. So with workers, other processes do, as jobs in the files' order:

- for a session's own transcript, first the usage reads its derivation will ask for
  (``usage.read_signed``): each subagent transcript in the session's ``subagents/``
  folder, and the session's main agent; then
- for every file, its units (``transcripts.read_file``), every payload of them that
  backfill may send stamped (redacted), and the reports in them judged with the text
  model (``outcome.judge_ahead``);

and the recording process takes the results back in that order, lending the usage
records and verdicts to derivation (``usage.lent``, ``outcome.judged``), which then uses
them instead of doing the work itself. The rows are the same either way; only where the
time is spent differs.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import multiprocessing
import os
from collections.abc import Iterator

from recorder.derive import judging, outcome, outcome_model, usage
from recorder.sources.pool import ordered_map, per_cpu
from recorder.sources.transcripts import ORPHAN, Counters, Unit, read_file, stamped

# Below this much transcript, starting processes costs more than it saves.
PARALLEL_BYTES = 8 << 20
# Jobs each worker may do ahead of the recording: most are small (a subagent's own
# file), and a worker left waiting for the recording to take a result back is time lost.
AHEAD = 64


class FileAhead:
    """What a worker made of one job: a file's units and verdicts, or usage records."""

    __slots__ = ("counters", "units", "verdicts", "records")

    def __init__(self, counters: Counters | None = None, units: list[Unit] | None = None) -> None:
        self.counters = counters
        self.units = units or []
        self.verdicts: dict[str, outcome.Verdict] = {}
        self.records: dict[tuple[str, bool | None], tuple] = {}


Job = tuple[str, bool | None, bool]  # path, sidechain_only, usage only


def default_workers(size: int) -> int:
    """How many worker processes suit ``size`` bytes of transcripts: none for a little,
    else one per CPU (the recording process mostly waits for the database meanwhile)."""
    return 0 if size < PARALLEL_BYTES else per_cpu()


def jobs(files: list[str]) -> Iterator[Job]:
    """Each file's job, after the usage reads of a session's own transcript."""
    for path in files:
        folder = usage.subagents_folder(path)
        if os.path.isdir(folder):
            for agent in sorted(glob.glob(os.path.join(glob.escape(folder), "agent-*.jsonl"))):
                yield agent, None, True
            yield path, False, True  # the main agent's own spend
        yield path, None, False


def read_ahead(job: Job, since: str | None) -> FileAhead:
    """A usage read, or one file's units with their payloads stamped and reports judged."""
    path, sidechain_only, usage_only = job
    if usage_only:
        found = FileAhead()
        found.records[(path, sidechain_only)] = usage.read_signed(path, sidechain_only)
        return found
    counters = Counters()
    found = FileAhead(counters, list(read_file(path, since, counters)))
    payloads = []
    for unit in found.units:
        unit.items = [item if item[0] == ORPHAN else (*item, stamped(item)) for item in unit.items]
        payloads += [item[5] for item in unit.items if item[0] != ORPHAN]
        payloads += [p for p in (unit.prompt, unit.stop) if p is not None]
    found.verdicts = outcome.judge_ahead(judging.reports(payloads))
    return found


def in_order(files: list[str], since: str | None, workers: int) -> Iterator[FileAhead]:
    """:func:`read_ahead` of every job of ``files``, by ``workers`` processes, in order."""
    shared()
    return ordered_map(functools.partial(read_ahead, since=since), jobs(files), workers, AHEAD)


def shared() -> None:
    """Load the text model here, before the workers start, when they are forked from this
    process: each has it then without loading it again."""
    chosen = multiprocessing.get_start_method(allow_none=True)
    if (chosen or multiprocessing.get_all_start_methods()[0]) == "fork":  # [0]: the default
        with contextlib.suppress(OSError, ValueError, KeyError):
            outcome_model.model()
