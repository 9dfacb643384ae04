"""Files beside the database that keep what could not be written: spool, dead letters, log.

The spool holds events whose write failed (locked, read-only, full or corrupt
database); dead letters hold events the normaliser rejected or our own code
failed on. Both are newline-delimited JSON, appended one whole line per write,
and taken for replay by an atomic rename so two processes never ingest the
same file. When the database's directory is not writable the files go to a
per-database fallback directory (see ``paths.fallback_dir``). Events are replayed in the
order they came: a claimed file's name carries its rank in that order (``paths.pending``
sorts by it, the queue last), and what a replay leaves keeps its file's rank.

Appends and claims meet on a lock of the file (flock on POSIX, msvcrt.locking of one
byte far past its end on Windows, where a lock on data would stop readers; without
either, only the rename check below): a writer appends only while it holds the lock and
the file is still the queue, so no line lands in a file already claimed; a replay holds
the lock of the files it claimed until it is done with them. A claim whose lock is free
was left by a replay that died or failed, and the next replay takes it over at once.

Windows renames or removes no file that any process holds open, so there a claim renames
the file first (which fails while a writer or another replay has it open) and then
locks it, and a release empties the file before it lets go and removes it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator

from recorder.hook import clock, paths

LOG_LIMIT = 1_000_000
RENAMES_OPEN_FILES = os.name != "nt"
LOCK_OFFSET = 1 << 40  # the byte msvcrt locks: past the end of any spool file
CLAIM_SUFFIX = ".claimed"
WAITING_SUFFIX = ".waiting"  # lines a replay put back, in their place: the next one claims them
# How long an append waits for other writers of the same file before trying the next place.
APPEND_PATIENCE_SECONDS = 2.0
# Locks of the files this process has claimed, by path; held until release or let_go.
held: dict[str, int] = {}
_lockers: list = []  # (fcntl, msvcrt), either None where missing: looked up on first lock


def lockers() -> list:
    """(fcntl or None, msvcrt or None): imported when a file is first locked, not before."""
    if not _lockers:
        try:  # POSIX: flock
            import fcntl
        except ImportError:  # Windows (or a Python without fcntl)
            fcntl = None
        try:  # Windows: a lock on one byte past the file's end (LOCK_OFFSET)
            import msvcrt
        except ImportError:
            msvcrt = None
        _lockers.extend((fcntl, msvcrt))
    return _lockers


def append_line(db: str, name: str, record: dict) -> str:
    """Append ``record`` as one JSON line to the first writable place; return the path."""
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode(
        "utf-8", "surrogatepass"
    )
    error: OSError | None = None
    for path in paths.candidates(db, name):
        try:
            paths.prepare(db, path)
            append_to_queue(path, line)
        except OSError as exc:
            error = exc
            continue
        if isinstance(error, paths.NotOurs):
            log(db, str(error))
        return path
    raise error or OSError("no writable place for " + name)


def append_to_queue(path: str, data: bytes) -> None:
    """Append ``data`` to the queue file ``path``, never to a file a replay has claimed."""
    deadline = time.monotonic() + APPEND_PATIENCE_SECONDS
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if lock(fd, path):
                end = os.fstat(fd).st_size
                if end and last_byte(fd, end) != b"\n":
                    data = b"\n" + data  # after a line cut off by a killed writer
                try:
                    write_all(fd, data)
                except OSError:
                    os.ftruncate(fd, end)  # no half line (disk full): the next place gets it all
                    raise
                return
        finally:
            os.close(fd)
        if time.monotonic() > deadline:
            raise OSError(f"{path} stayed locked by other writers")
        time.sleep(0.001)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (a write may take part of it) and sync it to disk."""
    written = 0
    while written < len(data):
        written += os.write(fd, data[written:])
    os.fsync(fd)


def last_byte(fd: int, size: int) -> bytes:
    """The last byte of the open file ``fd`` of ``size`` bytes (os.pread is POSIX-only)."""
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1)


def lock(fd: int, path: str) -> bool:
    """Take the lock of the open file ``fd`` if free and ``fd`` is still the file at ``path``."""
    fcntl, msvcrt = lockers()
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        elif msvcrt is not None:
            os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError (flock) or PermissionError (msvcrt): held elsewhere
        return False
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False  # claimed (renamed) or released meanwhile; closing fd drops the lock
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


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


def waiting(db: str, name: str) -> int:
    """How many events the files of ``name`` (``paths.SPOOL``, ``paths.DEAD_LETTERS``) of
    ``db`` hold."""
    return sum(count_lines(path) for path in paths.pending(db, name))


def count_lines(path: str) -> int:
    """The file's lines that are not blank (0 when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return 0


def log(db: str, message: str) -> None:
    """One line to stderr and to the log file beside the database (rotated at 1 MB)."""
    line = f"{clock.now()} agent-runs: {message}"
    print(line, file=sys.stderr)
    data = (line + "\n").encode("utf-8", "replace")
    for path in paths.candidates(db, paths.LOG):
        try:
            paths.prepare(db, path)
            if os.path.exists(path) and os.path.getsize(path) > LOG_LIMIT:
                os.replace(path, path + ".1")
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            return
        except OSError:
            continue


def claim(db: str, name: str) -> list[str]:
    """Take the waiting files of ``name`` for replay; return the claimed paths.

    A waiting file is renamed to a name of this process's own and its lock taken (on POSIX
    the lock first, on Windows the rename first: see the module's docstring); a claimed
    file whose lock is free (its replay died or gave up) is taken over the same way.
    """
    claimed = []
    for path in paths.pending(db, name):
        rank = paths.received_rank(path, name)
        if not rank.startswith("r"):  # the queue (or an older agent-runs' claim)
            rank = "r" + (f"{time.time_ns():020d}" if rank == "~" else "0" * 20)
        target = claimed_path(os.path.dirname(path), name, rank)
        fd = -1
        try:
            if RENAMES_OPEN_FILES:
                fd = os.open(path, os.O_RDONLY)
                locked = lock(fd, path)
                if locked:
                    os.rename(path, target)
            else:  # the rename fails while anyone has the file open
                os.rename(path, target)
                fd = os.open(target, os.O_RDWR)
                locked = lock(fd, target)
            if locked:
                held[target], fd = fd, -1
                claimed.append(target)
        except OSError:
            pass
        finally:
            if fd >= 0:
                os.close(fd)
    return claimed


def claimed_path(folder: str, name: str, rank: str, suffix: str = CLAIM_SUFFIX) -> str:
    """A new claimed (or put back, ``WAITING_SUFFIX``) file's path: its rank (see
    ``paths.received_rank``), then this process's own part, so a rename to it is a claim."""
    return os.path.join(folder, f"{name}.{rank}.{os.getpid()}.{time.monotonic_ns()}{suffix}")


def let_go(path: str) -> None:
    """Give up a claim without finishing it: the next replay takes the file over."""
    fd = held.pop(path, None)
    if fd is not None:
        os.close(fd)


def read_records(path: str) -> Iterator[tuple[dict | None, str]]:
    """Each line of a spool file as (record or None if it is not a JSON object, line)."""
    with Records(path) as records:
        yield from records


class Records:
    """The lines of a spool file, read one at a time as (record or None, line); what is
    not read yet can be taken whole and unparsed (``unread``), so a replay that stops
    after a batch costs a copy of the rest, not a parse of it."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        self.last = b""

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *_: object) -> None:
        self.file.close()

    def __iter__(self) -> Iterator[tuple[dict | None, str]]:
        for raw in self.file:
            self.last = raw
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # junk, or nested too deep to read
                record = None
            yield (record if isinstance(record, dict) else None), line

    def unread(self) -> bytes:
        """The line read last and every line after it, byte for byte as in the file."""
        rest, self.last = self.last + self.file.read(), b""
        return rest


def put_back(path: str, name: str, data: bytes) -> None:
    """Leave ``data`` waiting ahead of what came after the claimed file ``path``: a file of
    the same rank, which the next replay claims. Written whole under a name no replay
    reads, then renamed: a replay never sees half of it."""
    folder = os.path.dirname(path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        write_all(fd, data)
        os.close(fd)
        fd = -1
        rank = paths.received_rank(path, name)
        os.rename(temporary, claimed_path(folder, name, rank, WAITING_SUFFIX))
    except BaseException:  # the claimed file stays whole: the next replay takes it over
        if fd >= 0:
            os.close(fd)
        os.remove(temporary)
        raise


def lines_in(data: bytes) -> int:
    """How many lines ``data`` holds (a last one without its newline counts)."""
    return data.count(b"\n") + (not data.endswith(b"\n"))


def release(path: str, name: str, leftovers: list[str], unread: bytes = b"") -> None:
    """Finish a claimed file: lines not ingested (``leftovers``, then the ``unread`` rest
    of the file) stay waiting in its place in the order of receipt, then the file goes."""
    data = "".join(line + "\n" for line in leftovers).encode("utf-8", "surrogatepass")
    if unread:
        data += unread if unread.endswith(b"\n") else unread + b"\n"
    if data:
        put_back(path, name, data)
    if RENAMES_OPEN_FILES:
        os.remove(path)
        let_go(path)
        return
    os.ftruncate(held[path], 0)  # a replay that takes it over once let go finds nothing
    let_go(path)
    try:  # noqa: SIM105 (contextlib would be one more import on the hook path)
        os.remove(path)
    except OSError:  # open elsewhere a moment (a count of the lines): empty, it is harmless
        pass
