"""Who may read what agent-runs keeps: every file holding recorded data is the owner's only.

New files are created 0600 and folders 0700 (``database.create_private``, ``spool``,
``paths.prepare``); files made by older versions or other tools may be wider, and
``agent-runs doctor`` names them while ``doctor --fix`` tightens them. On Windows,
where POSIX modes say nothing (the profile's ACL protects these files), nothing is checked.
"""

from __future__ import annotations

import glob
import os
import stat

from recorder.hook import database, paths
from recorder.ops import install
from recorder.ops import serving_secret as secret

COMPANIONS = (paths.SPOOL, paths.DEAD_LETTERS, paths.LOG)


def kept_files(db: str) -> list[str]:
    """Every existing file and folder of ours that holds recorded data or a secret."""
    found = [db + suffix for suffix in ("", "-wal", "-shm", "-journal")]
    for name in COMPANIONS:
        for path in paths.existing(db, name):
            found.extend(glob.glob(glob.escape(path) + "*"))
            if os.path.dirname(path) != os.path.dirname(db):
                found.append(os.path.dirname(path))  # a fallback folder of ours
    for scope in ("user", "project"):
        settings = str(install.settings_path(scope))
        found.extend(glob.glob(glob.escape(settings) + ".bak-*"))
    found.append(secret.secret_file())
    return [p for p in dict.fromkeys(found) if os.path.lexists(p) and not os.path.islink(p)]


def exposed(db: str) -> list[str]:
    """The kept files (and folders) others may read or write."""
    if os.name == "nt":
        return []
    return [p for p in kept_files(db) if stat.S_IMODE(os.lstat(p).st_mode) & 0o077]


def tighten(found: list[str]) -> None:
    """Make each of ``found`` the owner's only: files 0600, folders 0700."""
    for path in found:
        os.chmod(path, 0o700 if os.path.isdir(path) else 0o600)


def check(db: str) -> tuple[bool, str]:
    """(ok, one line) for ``agent-runs doctor``."""
    stuck = database.stuck_companions(db)
    if stuck:
        return False, (
            f"permissions: {', '.join(stuck)} read-only though the database is writable (made "
            "while it was read-only), so every write fails (run `agent-runs doctor --fix`)"
        )
    found = exposed(db)
    if not found:
        return True, "permissions: recorded data is readable by its owner only"
    names = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return False, f"permissions: readable by others: {names} (run `agent-runs doctor --fix`)"
