"""Files beside the database that keep what could not be written: spool, dead letters, log.

The spool holds events whose write failed (locked, read-only, full or corrupt
database); dead letters hold events the normaliser rejected or our own code
failed on. Both are newline-delimited JSON, appended one whole line per write,
and taken for replay by an atomic rename so two processes never ingest the
same file. When the database's directory is not writable the files go to a
per-database fallback directory (see ``paths.fallback_dir``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator

from . import clock, paths

LOG_LIMIT = 1_000_000
CLAIM_SUFFIX = ".claimed"
# A claimed file older than this was left by a process that died mid-replay.
STALE_CLAIM_SECONDS = 60


def append_line(db: str, name: str, record: dict) -> str:
    """Append ``record`` as one JSON line to the first writable place; return the path."""
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode(
        "utf-8", "surrogatepass"
    )
    error: OSError | None = None
    for path in paths.candidates(db, name):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, line)
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)
            return path
        except OSError as exc:
            error = exc
    raise error or OSError("no writable place for " + name)


def spool(db: str, payload: dict) -> str:
    """Keep an event whose write failed, for the next run or ``agent-runs replay``."""
    return append_line(db, paths.SPOOL, payload)


def dead_letter(db: str, error: str, payload: object = None, raw: str | None = None) -> str:
    """Keep an event the recorder could not handle, with the reason."""
    record = {"failed_at": clock.now(), "error": error}
    if raw is not None:
        record["raw"] = raw
    else:
        record["payload"] = payload
    return append_line(db, paths.DEAD_LETTERS, record)


def log(db: str, message: str) -> None:
    """One line to stderr and to the log file beside the database (rotated at 1 MB)."""
    line = f"{clock.now()} agent-runs: {message}"
    print(line, file=sys.stderr)
    for path in paths.candidates(db, paths.LOG):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.exists(path) and os.path.getsize(path) > LOG_LIMIT:
                os.replace(path, path + ".1")
            with open(path, "a", encoding="utf-8", errors="replace") as f:
                f.write(line + "\n")
            return
        except OSError:
            continue


def pending(db: str, name: str) -> list[str]:
    """The files holding events of ``name`` waiting for replay (cheap when there are none)."""
    found = []
    for path in paths.candidates(db, name):
        directory, base = os.path.split(path)
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        found.extend(os.path.join(directory, e) for e in entries if e.startswith(base))
    return sorted(found)


def claim(db: str, name: str) -> list[str]:
    """Take the waiting files of ``name`` for replay by renaming them; return the claimed paths.

    A file another process is replaying right now is left alone unless its claim is stale.
    """
    claimed = []
    now = time.time()
    for path in pending(db, name):
        if path.endswith(CLAIM_SUFFIX):
            try:
                if now - os.path.getmtime(path) < STALE_CLAIM_SECONDS:
                    continue
            except OSError:
                continue
            target = path
            try:
                os.utime(target)
            except OSError:
                continue
        else:
            target = f"{path}.{os.getpid()}.{time.monotonic_ns()}{CLAIM_SUFFIX}"
            try:
                os.rename(path, target)
            except OSError:
                continue
        claimed.append(target)
    return claimed


def read_records(path: str) -> Iterator[tuple[dict | None, str]]:
    """Each line of a spool file as (record or None if it is not a JSON object, line)."""
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            yield (record if isinstance(record, dict) else None), line


def release(path: str, name: str, leftovers: list[str]) -> None:
    """Finish a claimed file: lines not ingested go back to its queue, then the file goes."""
    if leftovers:
        queue = os.path.join(os.path.dirname(path), name)
        with open(queue, "a", encoding="utf-8", errors="surrogatepass") as f:
            f.write("".join(line + "\n" for line in leftovers))
    os.remove(path)
