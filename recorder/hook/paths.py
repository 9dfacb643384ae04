"""Where the database and its companion files live."""

import os
import stat

# agent-runs' own settings folder; redaction defines it (it reads its pattern file there)
from recorder.redaction.config import config_dir as config_dir

DEFAULT_DB = os.path.join("~", ".claude", "emergent-learning", "memory", "index.db")
ENV_DB = "AGENT_RUNS_DB"

SPOOL = "agent-runs-spool.ndjson"
DEAD_LETTERS = "agent-runs-dead-letters.ndjson"
LOG = "agent-runs.log"


def database(explicit: str | os.PathLike | None = None) -> str:
    """The database path: ``explicit``, else ``$AGENT_RUNS_DB``, else ELF's index.db."""
    chosen = explicit or os.environ.get(ENV_DB) or DEFAULT_DB
    return os.path.abspath(os.path.expanduser(os.fspath(chosen)))


def beside(db: str, name: str) -> str:
    """A companion file in the database's directory."""
    return os.path.join(os.path.dirname(db), name)


def fallback_dir(db: str) -> str:
    """Where companion files go when the database's directory is not writable."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return os.path.join(state, "agent-runs", db.strip(os.sep).replace(os.sep, "_"))


def user_tag() -> str:
    """Who we are, for a per-user folder name: the uid; on Windows (no ``getuid``) the
    user name, the temporary folder being per-user there (inside the profile)."""
    getuid = getattr(os, "getuid", None)
    if getuid is not None:
        return str(getuid())
    return os.environ.get("USERNAME") or "user"


def temporary_dir(db: str) -> str:
    """The last resort for companion files: the system's temporary directory."""
    base = os.environ.get("TMPDIR") or os.environ.get("TEMP") or os.environ.get("TMP") or "/tmp"
    return os.path.join(base, f"agent-runs-{user_tag()}", db.strip(os.sep).replace(os.sep, "_"))


def candidates(db: str, name: str) -> list[str]:
    """Every place a companion file of ``db`` may be: beside it, the fallback, the temp dir."""
    return [
        beside(db, name),
        os.path.join(fallback_dir(db), name),
        os.path.join(temporary_dir(db), name),
    ]


class NotOurs(PermissionError):
    """A fallback folder that another user owns or may write: never used."""


def ours(directory: str) -> bool:
    """Whether ``directory`` is a real folder (no symlink) owned by us that others cannot write.

    On Windows there is no ``getuid`` and POSIX modes say nothing: there the fallback
    folders live in the user's own profile (``%LOCALAPPDATA%``/``%TEMP%``, whose ACL
    admits only the user), so being a real folder is what is checked.
    """
    try:
        info = os.lstat(directory)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return True
    return info.st_uid == geteuid() and not info.st_mode & 0o022


def _shared_root(path: str, db: str) -> str:
    """The first folder of ``path``'s own making below a shared place (the fallback's
    ``agent-runs`` or ``agent-runs-<uid>``); ``path``'s folder itself when beside ``db``."""
    directory = os.path.dirname(path)
    if directory == os.path.dirname(db):
        return directory
    return os.path.dirname(directory)


def prepare(db: str, path: str) -> None:
    """Make the folder of companion file ``path`` (0700); a fallback folder must be ours.

    Raises NotOurs (an OSError) for a fallback folder another user could have planted.
    """
    directory = os.path.dirname(path)
    os.makedirs(os.path.dirname(directory), mode=0o700, exist_ok=True)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if directory == os.path.dirname(db):
        return
    for folder in (_shared_root(path, db), directory):
        if not ours(folder):
            raise NotOurs(f"{folder} is not ours (owner or mode): refused")


def existing(db: str, name: str) -> list[str]:
    """The candidates of ``name`` whose folder exists and may be read: beside the database,
    or a fallback folder of ours. Others are skipped (and named by ``refused``)."""
    found = [beside(db, name)]
    for path in candidates(db, name)[1:]:
        directory = os.path.dirname(path)
        if ours(directory) and ours(_shared_root(path, db)):
            found.append(path)
    return found


def pending(db: str, name: str) -> list[str]:
    """The files holding events of ``name`` waiting for replay (cheap when there are none),
    oldest events first: claimed files by their rank (``received_rank``), the queue last."""
    found = []
    for path in existing(db, name):  # a fallback folder not ours is never read
        directory, base = os.path.split(path)
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        found.extend(os.path.join(directory, e) for e in entries if e.startswith(base))
    return sorted(found, key=lambda path: (received_rank(path, name), path))


def received_rank(path: str, name: str) -> str:
    """Where the events of a file of ``name`` come in the order of receipt, as a sortable
    string: a claimed file is named ``<name>.r<ns>.<pid>.<ns>.claimed`` (``r<ns>``: when
    its events left the queue, kept when the file is claimed again or what a replay leaves
    of it is put back, as ``.waiting``); an older agent-runs' claim
    (``<name>.<pid>.<ns>.claimed``) comes first, the queue itself (the newest) last."""
    rest = os.path.basename(path)[len(name) :]
    if not rest:
        return "~"  # after every rank
    rank = rest[1:].split(".", 1)[0]
    return rank if rank[:1] == "r" and rank[1:].isdigit() else ""


def refused(db: str, name: str) -> list[str]:
    """Fallback folders of ``name`` that exist but are not ours."""
    found = []
    for path in candidates(db, name)[1:]:
        for folder in (_shared_root(path, db), os.path.dirname(path)):
            if os.path.lexists(folder) and not ours(folder):
                found.append(folder)
                break
    return found


def db_argument(argv: list[str]) -> str | None:
    """The value of ``--db PATH`` or ``--db=PATH``, if given."""
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg[5:]
    return None
