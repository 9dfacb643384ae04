"""Opening the database and writing to it in transactions (standard library only)."""

import os
import sqlite3
import stat  # os imports it anyway: nothing more on the hook path
from collections.abc import Callable

from recorder.schema import version


class Behind(sqlite3.OperationalError):
    """The database's schema is older than this code's, and the caller leaves upgrading it
    to another process (the hook: a large database's migration could outlast Claude Code's
    hook timeout, so the derivation worker runs it)."""


def connect(
    db: str, timeout: float = 5.0, *, migrate: bool = True, upgrade_existing: bool = True
) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``db``, upgraded to the latest schema.

    ``timeout`` bounds every wait for another writer's lock, in seconds. A database a
    newer agent-runs wrote is refused (sqlite3.OperationalError: the hook spools the
    event for that newer version), unless ``migrate`` is off (reading only). Without
    ``upgrade_existing``, only a new, empty database is migrated here; an older one
    raises :class:`Behind`.
    """
    create_private(db)
    conn = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        found = conn.execute("PRAGMA user_version").fetchone()[0] if migrate else 0
        if found > version.LATEST:  # this code would write rows that schema does not expect
            raise sqlite3.OperationalError(
                f"written by a newer agent-runs (schema {found}; this one knows up to "
                f"{version.LATEST}): upgrade agent-runs to write to it"
            )
        if migrate and found < version.LATEST:
            if not upgrade_existing and conn.execute("SELECT 1 FROM sqlite_master").fetchone():
                raise Behind(
                    f"schema {found} is older than this agent-runs' {version.LATEST}: "
                    "the derivation worker upgrades it"
                )
            from recorder.schema import migrations  # only for a file that is behind

            if migrations.migrate(conn):
                make_private(db)  # an ELF or older file may be wider: it holds prompts now
    except BaseException:
        conn.close()
        raise
    return conn


def reader(db: str) -> sqlite3.Connection:
    """``db`` opened to read only.

    A WAL database is read through its ``-shm`` index file, which the first reader
    creates. In a folder or on a mount this user cannot write, with no ``-shm`` there
    (no connection is open: a copy, a backup, another user's closed file), SQLite cannot
    make one; the file is then opened as immutable, which needs none and is safe while
    nobody writes it (whoever does creates the index file first).
    """
    conn = sqlite3.connect(uri(db, mode="ro"), uri=True, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the index
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if not needs_immutable(db):
            raise
    return sqlite3.connect(uri(db, mode="ro", immutable="1"), uri=True, isolation_level=None)


def needs_immutable(db: str) -> bool:
    """Whether ``db`` can be read only as immutable: it has no ``-shm`` index file and none
    can be created beside it (a read-only folder or mount)."""
    folder = os.path.dirname(os.path.abspath(db))
    return not os.path.exists(db + "-shm") and not os.access(folder, os.W_OK)


def uri(db: str, **parameters: str) -> str:
    """A ``file:`` URI of ``db`` with query ``parameters`` (any path: ``?`` and ``#`` are
    escaped, a Windows drive letter kept)."""
    from pathlib import Path  # not at the top: the hook imports this module, never this

    query = "&".join(f"{name}={value}" for name, value in parameters.items())
    return Path(os.path.abspath(db)).as_uri() + (f"?{query}" if query else "")


# SQLite primary result codes that say the database cannot be written now (the event
# waits in the spool); any other error (an integer overflow, a constraint) is the event's.
_UNWRITABLE = frozenset((3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 26))  # PERM BUSY LOCKED NOMEM
# READONLY IOERR CORRUPT FULL CANTOPEN PROTOCOL NOTADB


def unwritable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be written (rather than that the data is bad)."""
    if isinstance(exc, OSError):
        return True
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # no code (Python < 3.11 or a Python-side error): judge by its class
        return isinstance(exc, sqlite3.OperationalError)
    return code & 0xFF in _UNWRITABLE


def busy(exc: BaseException) -> bool:
    """Whether ``exc`` says another connection holds the lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # Python < 3.11: SQLite's message
        return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(
            ("database is locked", "database table is locked")
        )
    return code & 0xFF in (5, 6)


def read_only_now(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be written now (read-only, locked) while
    it can still be read: not a damaged file, not one that is no database."""
    return isinstance(exc, (OSError, sqlite3.OperationalError)) and unwritable(exc)


def create_private(db: str) -> None:
    """Create ``db``'s folder (0700) and an empty ``db`` (0600) if missing.

    SQLite gives its -wal and -shm files the mode of the database, so they are private too.
    """
    directory = os.path.dirname(db)
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    try:  # noqa: SIM105 (contextlib would be one more import on the hook path)
        os.close(os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass  # there already (or not creatable: sqlite3 says why)


def make_private(db: str) -> None:
    """Make ``db`` and its -wal and -shm files the owner's only (0600) where they are wider
    (a file ELF or an older agent-runs made); another user's file is left as it is."""
    if os.name == "nt":  # no POSIX modes: the profile's ACL protects the file
        return
    for path in (db, db + "-wal", db + "-shm"):
        try:
            if not os.path.islink(path) and os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
        except OSError:  # gone, or not ours to change
            pass


def stuck_companions(db: str) -> list[str]:
    """The ``-wal`` and ``-shm`` files of a writable ``db`` that its owner cannot write.

    SQLite gives them the database's mode, so ones made while the database was read-only
    stay read-only after it is writable again, and every write then fails ("attempt to
    write a readonly database"). Only regular files of this user count (never a link, nor
    another user's file).
    """
    if not os.access(db, os.W_OK):
        return []
    uid = os.getuid() if hasattr(os, "getuid") else None  # Windows: no owners to compare
    found = []
    for path in (db + "-wal", db + "-shm"):
        try:
            info = os.lstat(path)
        except OSError:
            continue
        mine = uid is None or info.st_uid == uid
        if stat.S_ISREG(info.st_mode) and mine and not info.st_mode & stat.S_IWUSR:
            found.append(path)
    return found


def unstick_companions(db: str) -> list[str]:
    """Make :func:`stuck_companions` the owner's to write again (0600); the paths changed."""
    found = stuck_companions(db)
    for path in found:
        os.chmod(path, 0o600)
    return found


def write(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], object]) -> object:
    """Run ``work`` in one immediate (write-locked) transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


FULL_BELOW = 1_000_000  # bytes: less room than this on its filesystem is a full disk


def free_bytes(db: str) -> int | None:
    """Free bytes on the filesystem of ``db``'s folder (any platform), or None."""
    import shutil  # only when something went wrong

    try:
        return shutil.disk_usage(os.path.dirname(os.path.abspath(db))).free
    except OSError:
        return None


def disk_full(db: str) -> bool:
    """Whether the filesystem of ``db`` has (almost) no room left."""
    free = free_bytes(db)
    return free is not None and free < FULL_BELOW


def require_writable(conn: sqlite3.Connection) -> None:
    """Raise sqlite3.Error unless ``conn`` can write (a header write, rolled back)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.execute("ROLLBACK")
