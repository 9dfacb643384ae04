"""Reports judged ahead: what derivation hands the text model, judged by other processes.

Judging reports with the text model is about half of what re-deriving the kept events
costs. For a rebuild, worker processes read ranges of kept events from the file (read
only), pick out the reports derivation will judge (``reports``) and judge them
(``outcome.judge_ahead``); the rebuild lends each range's verdicts to derivation
(``outcome.judged``) before it derives that range. Bulk and backfill judge their own
batches ahead with ``reports`` too. The rows are the same either way.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Iterator

from recorder.derive import outcome
from recorder.derive.compaction import Reader
from recorder.hook import events
from recorder.schema.queries import sql
from recorder.sources.pool import ordered_map, per_cpu

RANGE = 1000  # kept events per job
FEWEST = 4 * RANGE  # below this many pending events, starting processes costs more


def reports(payloads: Iterable[dict]) -> Iterator[str | None]:
    """The subagent reports in stamped payloads: what derivation's outcome judges."""
    for payload in payloads:
        try:
            event = events.normalise(payload, "")
        except events.RejectedEvent:
            continue
        if event is not None:
            yield event.get("result_text")
            yield event.get("last_assistant_message")
            yield from (note.get("result") for note in event.get("notifications") or ())


def workers(pending: int) -> int:
    """How many processes suit ``pending`` kept events: none for a few, else one per CPU."""
    return 0 if pending < FEWEST else per_cpu()


def bounds(conn: sqlite3.Connection, after: int) -> Iterator[tuple[int, int]]:
    """(after, last) of each range of kept events after ``after``, in order."""
    while True:
        last = conn.execute(sql("judging_bounds"), {"after": after, "size": RANGE}).fetchone()[0]
        if last is None:
            return
        yield after, last
        after = last


def judge_range(db: str, bounds: tuple[int, int]) -> tuple[int, dict[str, outcome.Verdict]]:
    """(last, verdicts) of a range of ``db``'s kept events (a worker's job)."""
    after, last = bounds
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(sql("judging_range"), {"after": after, "last": last}).fetchall()
        payloads = [payload for _, payload in Reader(conn).rows(rows)]
    finally:
        conn.close()
    return last, outcome.judge_ahead(reports(payloads))


def ahead(
    conn: sqlite3.Connection, db: str, after: int, processes: int
) -> Iterator[tuple[int, dict[str, outcome.Verdict]]]:
    """(last, verdicts) of every range after ``after``, judged by ``processes``, in order."""
    job = functools.partial(judge_range, db)
    return ordered_map(job, bounds(conn, after), processes)
