"""Setting dead letters aside: events that will never replay stop failing ``doctor``."""

from __future__ import annotations

import os

from recorder.hook import clock, paths, spool

DISCARDED_PREFIX = "agent-runs-discarded-dead-letters-"


def discard(db: str) -> tuple[int, str | None]:
    """Move every waiting dead letter of ``db`` into one file beside it.

    Returns (how many, the file they are kept in, or None when there were none). The
    file's name does not start with the dead-letter queue's, so replay never takes it.
    """
    claimed = spool.claim(db, paths.DEAD_LETTERS)
    if not claimed:
        return 0, None
    stamp = clock.now().replace(":", "").replace(".", "-")
    kept = os.path.join(os.path.dirname(claimed[0]), f"{DISCARDED_PREFIX}{stamp}.ndjson")
    count = 0
    fd = os.open(kept, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        for path in claimed:
            for _, line in spool.read_records(path):
                os.write(fd, (line + "\n").encode("utf-8", "surrogatepass"))
                count += 1
            spool.release(path, paths.DEAD_LETTERS, [])
    finally:
        os.close(fd)
    return count, kept
