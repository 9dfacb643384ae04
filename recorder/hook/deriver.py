"""Derivation off the hook's path: at most one worker per database, started by the hook.

The worker holds an exclusive SQLite lock on a small lock file beside the database
while it derives (SQLite's own file locking works the same on Linux, macOS and Windows,
and the OS drops it when the process dies). The hook, after committing its event, tries
that lock without waiting: if it is held a worker is running, else it starts one.

No event is left behind between a worker's last look and its exit: the worker gives up
the lock first and then looks once more for pending events (taking the lock again if
there are). A hook that saw the lock held committed its event before it looked, so the
worker's last look, made after it let go, sees that event. Standard library only.
"""

import os
import sqlite3
import sys

# AGENT_RUNS_DERIVE=off: the hook starts no worker (events wait for `agent-runs sync`).
SWITCH_ENV = "AGENT_RUNS_DERIVE"


def lock_path(db: str) -> str:
    """The lock file of ``db``'s derivation worker (beside it, like SQLite's -wal file)."""
    return db + "-derive.lock"


def try_lock(db: str) -> sqlite3.Connection | None:
    """The held lock (keep the connection open to hold it), or None when another holds it."""
    return hold(lock_path(db))


def hold(path: str) -> sqlite3.Connection | None:
    """The lock file ``path`` held (keep the connection open to hold it), or None when
    another process holds it."""
    if not os.path.exists(path):  # private like the database (SQLite's journal follows it)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = MEMORY")  # the lock needs no journal file
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError:
        conn.close()
        return None
    return conn


def running(db: str) -> bool:
    """Whether a worker holds the lock of ``db`` now."""
    held = try_lock(db)
    if held is None:
        return True
    held.close()
    return False


def enabled() -> bool:
    """Whether the hook should start workers (``AGENT_RUNS_DERIVE=off`` turns it off)."""
    return os.environ.get(SWITCH_ENV, "").lower() not in ("off", "0", "no", "false")


def ensure(db: str) -> None:
    """Start a detached worker for ``db`` unless one is running (or workers are off)."""
    if enabled() and not running(db):
        start(db)


def start(db: str) -> None:
    """Start ``recorder.derive.worker`` for ``db`` detached from this process and its session."""
    here = os.path.abspath(__file__)
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))  # the folder holding recorder/
    # In the recorder's folder: the session's folder may hold modules named like ours.
    code = (
        "import os, sys; os.chdir(sys.argv[1]); sys.path.insert(0, sys.argv[1]); "
        "from recorder.derive import worker; worker.main()"
    )
    command = [sys.executable, "-c", code, root, db]
    if spawned(command):
        return
    import subprocess  # Windows, or no posix_spawn with setsid: milliseconds of imports

    options: dict = {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "close_fds": True,
        "cwd": root,
    }
    if os.name == "nt":
        options["creationflags"] = (
            subprocess.DETACHED_PROCESS
            | subprocess.CREATE_NEW_PROCESS_GROUP
            | subprocess.CREATE_NO_WINDOW
        )
    else:
        options["start_new_session"] = True  # done by the C child code, not os.setsid
    subprocess.Popen(command, **options)


def spawned(command: list[str]) -> bool:
    """Start ``command`` in a new session with ``os.posix_spawn`` (as subprocess would, without
    importing it): no stdin/stdout/stderr of ours, no other descriptor. False where that
    cannot be done (Windows, a libc without setsid for posix_spawn, no list of open files)."""
    spawn = getattr(os, "posix_spawn", None)
    inherited = inheritable_descriptors() if spawn is not None else None
    if spawn is None or inherited is None:
        return False
    actions = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in inherited]
    try:
        spawn(command[0], command, os.environ, file_actions=actions, setsid=True)
    except NotImplementedError:  # no POSIX_SPAWN_SETSID here
        return False
    return True


def inheritable_descriptors() -> list[int] | None:
    """Open descriptors above 2 that a child would inherit, or None when they cannot be listed."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found = []
        for name in names:
            try:
                if int(name) > 2 and os.get_inheritable(int(name)):
                    found.append(int(name))
            except (ValueError, OSError):  # the listing's own descriptor, closed by now
                continue
        return found
    return None
