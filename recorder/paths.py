"""Where the database and its companion files live."""

from __future__ import annotations

import os

DEFAULT_DB = os.path.join("~", ".claude", "emergent-learning", "memory", "index.db")
ENV_DB = "AGENT_RUNS_DB"

SPOOL = "agent-runs-spool.ndjson"
DEAD_LETTERS = "agent-runs-dead-letters.ndjson"
LOG = "agent-runs.log"


def database(explicit: str | os.PathLike | None = None) -> str:
    """The database path: ``explicit``, else ``$AGENT_RUNS_DB``, else ELF's index.db."""
    chosen = explicit or os.environ.get(ENV_DB) or DEFAULT_DB
    return os.path.abspath(os.path.expanduser(os.fspath(chosen)))


def config_dir() -> str:
    """agent-runs' own settings: ``$XDG_CONFIG_HOME/agent-runs``, else ``~/.config/agent-runs``."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "agent-runs")


def beside(db: str, name: str) -> str:
    """A companion file in the database's directory."""
    return os.path.join(os.path.dirname(db), name)


def fallback_dir(db: str) -> str:
    """Where companion files go when the database's directory is not writable."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return os.path.join(state, "agent-runs", db.strip(os.sep).replace(os.sep, "_"))


def temporary_dir(db: str) -> str:
    """The last resort for companion files: the system's temporary directory."""
    base = os.environ.get("TMPDIR") or os.environ.get("TEMP") or os.environ.get("TMP") or "/tmp"
    return os.path.join(base, f"agent-runs-{user()}", db.strip(os.sep).replace(os.sep, "_"))


def user() -> str:
    """Who runs this: the numeric user id on POSIX, else the login name (Windows)."""
    getuid = getattr(os, "getuid", None)
    if getuid is not None:
        return str(getuid())
    return os.environ.get("USERNAME") or os.environ.get("USER") or "user"


def candidates(db: str, name: str) -> list[str]:
    """Every place a companion file of ``db`` may be: beside it, the fallback, the temp dir."""
    return [
        beside(db, name),
        os.path.join(fallback_dir(db), name),
        os.path.join(temporary_dir(db), name),
    ]


def db_argument(argv: list[str]) -> str | None:
    """The value of ``--db PATH`` or ``--db=PATH``, if given."""
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg[5:]
    return None
