"""Merge agent-runs' hook registrations into a Claude Code settings.json.

A plain Python API (no click): the ``install-hooks`` command is a thin layer on
top of :func:`apply`. The pure functions (:func:`merged`, :func:`removed`,
:func:`installed_events`) never touch the disk; :func:`apply` reads, validates,
backs up and writes atomically.

Settings format::

    {"hooks": {"PreToolUse": [{"matcher": "Task|Agent",
                               "hooks": [{"type": "command", "command": "...",
                                          "timeout": 10}]}]}}

Our entries always live in matcher groups of their own, appended after the
user's groups, so user hooks are never edited, even on the same event and
matcher; an entry of ours that already exists (also an older path of
``agent-runs-hook``) is updated in place instead of duplicated, and one under a
matcher we no longer register on that event (``Task``, ``*``) is removed.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import decimal
import difflib
import json
import math
import os
import shlex
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recorder.hook import paths

__all__ = [
    "FILE_MATCHER",
    "FILE_REGISTRATIONS",
    "HOOK_EXECUTABLE",
    "HOOK_TIMEOUT",
    "PLUGIN_NAME",
    "REGISTRATIONS",
    "SETTINGS_SCOPES",
    "TASK_MATCHER",
    "InstallResult",
    "SettingsError",
    "apply",
    "command_databases",
    "commands_by_registration",
    "diff",
    "display_path",
    "dumps",
    "enabled_plugin",
    "hook_command",
    "installed_commands",
    "installed_events",
    "is_our_command",
    "merged",
    "registered_database",
    "registered_twice",
    "registrations",
    "removed",
    "settings_path",
]

HOOK_EXECUTABLE = "agent-runs-hook"
HOOK_TIMEOUT = 10  # seconds; the hook itself answers in milliseconds
TASK_MATCHER = "Task|Agent"
FILE_MATCHER = "Edit|Write|MultiEdit|NotebookEdit|Read"

#: (event, matcher) pairs we register; ``None`` means the group has no matcher.
REGISTRATIONS: tuple[tuple[str, str | None], ...] = (
    ("SessionStart", None),
    ("SessionEnd", None),
    ("UserPromptSubmit", None),
    ("Stop", None),
    ("StopFailure", None),
    ("SubagentStart", None),
    ("SubagentStop", None),
    ("PreToolUse", TASK_MATCHER),
    ("PostToolUse", TASK_MATCHER),
    ("PostToolUseFailure", TASK_MATCHER),
    ("PermissionDenied", TASK_MATCHER),
)
#: Extra registrations for ``files=True`` (file reads/edits).
FILE_REGISTRATIONS: tuple[tuple[str, str | None], ...] = (
    ("PreToolUse", FILE_MATCHER),
    ("PostToolUse", FILE_MATCHER),
)

#: Scope names accepted by :func:`settings_path` (paths are resolved lazily there).
SETTINGS_SCOPES: tuple[str, ...] = ("user", "project", "local")


class SettingsError(Exception):
    """A settings file we refuse to touch, or can't read/write; the message is one line."""


@dataclass(frozen=True)
class InstallResult:
    """What :func:`apply` did (or, with ``dry_run``, would do)."""

    path: Path
    changed: bool  # the settings differ from what was on disk
    written: bool  # the file was actually rewritten (False for dry runs / no change)
    backup: Path | None  # backup of the previous file, when one was written
    diff: str  # unified diff of the pretty JSON, "" when unchanged
    added: int  # hook entries of ours added
    updated: int  # hook entries of ours rewritten in place (new command path / --db)
    removed: int  # hook entries of ours removed (uninstall, or duplicates of ours)


# --------------------------------------------------------------------------- paths


def settings_path(scope: str, home: Path | None = None, cwd: Path | None = None) -> Path:
    """Return the settings.json for ``scope``: ``user``, ``project`` or ``local``.

    ``user`` honours ``$CLAUDE_CONFIG_DIR`` (as Claude Code does) unless ``home``
    is given; ``local`` is the git-ignored ``.claude/settings.local.json``.
    """
    if scope == "user":
        if home is None:
            config_dir = os.environ.get("CLAUDE_CONFIG_DIR")
            if config_dir:
                return Path(config_dir).expanduser().absolute() / "settings.json"
            home = Path.home()
        return Path(home).absolute() / ".claude" / "settings.json"
    if scope in ("project", "local"):
        base = Path(cwd if cwd is not None else Path.cwd()).absolute() / ".claude"
        return base / ("settings.json" if scope == "project" else "settings.local.json")
    raise SettingsError(
        f"unknown settings scope {scope!r} (choose from {', '.join(SETTINGS_SCOPES)})"
    )


def display_path(path: Path | str, home: Path | None = None) -> str:
    """Return ``path`` with the home directory shortened to ``~`` (for messages)."""
    text = str(path)
    try:
        home_text = str(home if home is not None else Path.home())
    except RuntimeError:  # no home directory can be determined
        return text
    if home_text not in ("", os.sep) and (
        text == home_text or text.startswith(home_text.rstrip(os.sep) + os.sep)
    ):
        return "~" + text[len(home_text.rstrip(os.sep)) :]
    return text


# ------------------------------------------------------------------------- command


def hook_command(executable: str | None = None, db: str | os.PathLike[str] | None = None) -> str:
    """Return the shell command that runs our hook, with an absolute path.

    Without ``executable``: the ``agent-runs-hook`` script installed next to the
    running interpreter (the same installation as this code), else the one
    found on ``PATH``. Paths are quoted with :func:`shlex.quote` when needed;
    ``db`` adds ``--db <absolute path>``.
    """
    if executable is None:
        executable = _find_hook_executable()
    exe = os.path.abspath(os.path.expanduser(executable))
    command = shlex.quote(exe)
    if db is not None:
        command += " --db " + shlex.quote(os.path.abspath(os.path.expanduser(os.fspath(db))))
    return command


def _find_hook_executable() -> str:
    names = [HOOK_EXECUTABLE]
    if os.name == "nt":
        names.insert(0, HOOK_EXECUTABLE + ".exe")
    if sys.executable:
        # Not resolved: a venv's bin/python is often a symlink out of the venv.
        bindir = Path(sys.executable).absolute().parent
        for name in names:
            candidate = bindir / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    found = shutil.which(HOOK_EXECUTABLE)
    if found:
        return os.path.abspath(found)
    raise SettingsError(
        f"cannot find the {HOOK_EXECUTABLE} script (not next to {sys.executable} nor on PATH);"
        " install the agent-runs package first"
    )


def is_our_command(command: object) -> bool:
    """True when a hook ``command`` runs ``agent-runs-hook`` (any path), or ``agent-runs hook``."""
    if not isinstance(command, str):
        return False
    for words in _word_splits(command):
        while words and _is_env_assignment(words[0]):
            words = words[1:]
        if not words:
            continue
        name = words[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
        if name in (HOOK_EXECUTABLE, HOOK_EXECUTABLE + ".exe"):
            return True
        if name in ("agent-runs", "agent-runs.exe") and words[1:2] == ["hook"]:
            return True
    return False


def _word_splits(command: str) -> list[list[str]]:
    splits = [command.split()]  # unquoted Windows paths lose their backslashes in shlex
    with contextlib.suppress(ValueError):
        splits.insert(0, shlex.split(command))
    return splits


def _is_env_assignment(word: str) -> bool:
    name, sep, _ = word.partition("=")
    return bool(sep) and name.replace("_", "a").isalnum() and not name[0].isdigit()


# -------------------------------------------------------------------- validation


def _problem(settings: object) -> str | None:
    """Describe why ``settings`` is not a settings object we can edit, or None."""
    if not isinstance(settings, dict):
        return f"top level is {_kind(settings)}, not an object"
    hooks = settings.get("hooks")
    if hooks is None and "hooks" not in settings:
        return None
    if not isinstance(hooks, dict):
        return f'"hooks" is {_kind(hooks)}, not an object'
    for event, groups in hooks.items():
        where = f'"hooks"."{event}"'
        if not isinstance(groups, list):
            return f"{where} is {_kind(groups)}, not a list"
        for i, group in enumerate(groups):
            if not isinstance(group, dict):
                return f"{where}[{i}] is {_kind(group)}, not an object"
            entries = group.get("hooks", [])
            if not isinstance(entries, list):
                return f'{where}[{i}]."hooks" is {_kind(entries)}, not a list'
            for j, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    return f'{where}[{i}]."hooks"[{j}] is {_kind(entry)}, not an object'
    return None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _check(settings: object) -> dict[str, Any]:
    problem = _problem(settings)
    if problem is not None:
        raise SettingsError(f"settings: {problem}")
    assert isinstance(settings, dict)
    return settings


# ---------------------------------------------------------------- pure functions


def registrations(*, files: bool = False) -> tuple[tuple[str, str | None], ...]:
    """Return the (event, matcher) pairs we register; ``files`` adds the file-tool ones."""
    return REGISTRATIONS + (FILE_REGISTRATIONS if files else ())


def _norm_matcher(matcher: object) -> object:
    """Make equivalent matchers compare equal ("", "*", absent; "Agent|Task" == "Task|Agent")."""
    if matcher is None or matcher in ("", "*"):
        return None
    if isinstance(matcher, str):
        parts = matcher.split("|")
        if all(p.isidentifier() for p in parts):
            return frozenset(parts)
    return matcher


def _new_entry(command: str) -> dict[str, Any]:
    return {"type": "command", "command": command, "timeout": HOOK_TIMEOUT}


def _drop_stale(hooks: dict) -> int:
    """Remove our entries from groups whose matcher is none we register on that event (an
    older install's ``Task`` or ``*``): they would run the hook twice, an old path too.
    Groups left empty go. Returns how many entries were removed."""
    wanted: dict[str, set] = {}
    for event, matcher in registrations(files=True):  # file hooks stay, --files or not
        wanted.setdefault(event, set()).add(_norm_matcher(matcher))
    dropped = 0
    for event, matchers in wanted.items():
        groups = hooks.get(event)
        if not isinstance(groups, list):
            continue
        kept_groups = []
        for group in groups:
            entries = group.get("hooks", [])
            if _norm_matcher(group.get("matcher")) not in matchers:
                kept = [e for e in entries if not is_our_command(e.get("command"))]
                dropped += len(entries) - len(kept)
                if not kept and entries:
                    continue
                group["hooks"] = kept
            kept_groups.append(group)
        groups[:] = kept_groups
    return dropped


def _merge(settings: dict, command: str, files: bool) -> tuple[dict, int, int, int]:
    result = copy.deepcopy(_check(settings))
    hooks = result.setdefault("hooks", {})
    added = updated = 0
    dropped = _drop_stale(hooks)
    for event, matcher in registrations(files=files):
        groups = hooks.setdefault(event, [])
        want = _norm_matcher(matcher)
        found = False
        emptied: list[dict] = []
        for group in groups:
            if _norm_matcher(group.get("matcher")) != want:
                continue
            entries = group.get("hooks", [])
            kept = []
            for entry in entries:
                if not is_our_command(entry.get("command")):
                    kept.append(entry)
                elif found:  # a duplicate of ours: one registration is enough
                    dropped += 1
                else:
                    found = True
                    before = dict(entry)
                    entry["type"] = "command"
                    entry["command"] = command
                    entry.setdefault("timeout", HOOK_TIMEOUT)  # keep a user's own timeout
                    updated += entry != before
                    kept.append(entry)
            if len(kept) != len(entries):
                group["hooks"] = kept
                if not kept:
                    emptied.append(group)
        if emptied:  # groups emptied by dropping our duplicates go too
            groups[:] = [g for g in groups if not any(g is e for e in emptied)]
        if not found:
            group = {"matcher": matcher} if matcher is not None else {}
            group["hooks"] = [_new_entry(command)]
            groups.append(group)
            added += 1
    return result, added, updated, dropped


def merged(settings: dict, command: str, *, files: bool = False) -> dict:
    """Return a copy of ``settings`` with our hook registrations added.

    Idempotent. User hooks are never removed or changed; an existing entry of
    ours on the same event and matcher gets the new ``command`` in place.
    Raises :class:`SettingsError` when the settings are malformed.
    """
    return _merge(settings, command, files)[0]


def _remove(settings: dict) -> tuple[dict, int]:
    result = copy.deepcopy(_check(settings))
    hooks = result.get("hooks")
    if not isinstance(hooks, dict):
        return result, 0
    count = 0
    for event in list(hooks):
        groups = hooks[event]
        kept_groups = []
        for group in groups:
            entries = group.get("hooks", [])
            kept = [e for e in entries if not is_our_command(e.get("command"))]
            if len(kept) != len(entries):
                count += len(entries) - len(kept)
                if not kept:
                    continue  # emptied by us: drop the group
                group["hooks"] = kept
            kept_groups.append(group)
        if len(kept_groups) != len(groups):
            if kept_groups:
                hooks[event] = kept_groups
            else:
                del hooks[event]
    if count and not hooks:
        del result["hooks"]
    return result, count


def removed(settings: dict) -> dict:
    """Return a copy of ``settings`` without any hook entry that runs agent-runs-hook.

    Matcher groups, events and ``hooks`` itself are dropped only when we emptied
    them; everything else (other commands in the same group too) is kept.
    """
    return _remove(settings)[0]


def installed_events(settings: dict, *, files: bool = False) -> dict[str, bool]:
    """Map each of our events to whether all our registrations for it are present.

    With ``files=True`` the file-tool registrations count as well.
    """
    hooks = _check(settings).get("hooks") or {}
    status: dict[str, bool] = {}
    for event, matcher in registrations(files=files):
        want = _norm_matcher(matcher)
        present = any(
            _norm_matcher(group.get("matcher")) == want
            and any(is_our_command(e.get("command")) for e in group.get("hooks", []))
            for group in hooks.get(event, [])
        )
        status[event] = status.get(event, True) and present
    return status


def installed_commands(settings: dict) -> list[str]:
    """Return the distinct agent-runs-hook commands registered (for ``doctor``)."""
    commands: list[str] = []
    for found in commands_by_registration(settings).values():
        commands.extend(command for command in found if command not in commands)
    return commands


def commands_by_registration(settings: dict) -> dict[tuple[str, object], list[str]]:
    """(event, matcher) -> the distinct agent-runs hook commands registered there."""
    hooks = _check(settings).get("hooks") or {}
    found: dict[tuple[str, object], list[str]] = {}
    for event, groups in hooks.items():
        for group in groups:
            key = (event, _norm_matcher(group.get("matcher")))
            for entry in group.get("hooks", []):
                command = entry.get("command")
                if is_our_command(command) and command not in found.setdefault(key, []):
                    found[key].append(command)
    return {key: commands for key, commands in found.items() if commands}


PLUGIN_NAME = "agent-runs"  # the name in hooks/.claude-plugin/plugin.json


def enabled_plugin(settings_by_precedence: list[dict]) -> str | None:
    """The ``enabledPlugins`` key (``agent-runs@<marketplace>``) that turns the agent-runs
    plugin on, reading user, project and local settings in that order as Claude Code does
    (a later one overrides; only ``true`` turns a plugin on)."""
    state: dict[str, bool] = {}
    for settings in settings_by_precedence:
        enabled = settings.get("enabledPlugins")
        if isinstance(enabled, dict):
            for key, on in enabled.items():
                if isinstance(key, str) and key.split("@", 1)[0] == PLUGIN_NAME:
                    state[key] = on is True
    return next((key for key, on in state.items() if on), None)


def registered_twice(settings_by_path: list[tuple[Path | str, dict]]) -> str | None:
    """Why Claude Code would run the hook twice for one event, or None.

    ``settings_by_path``: user, project and local settings in that order. Claude Code runs
    a command that several settings files name once, but a plugin's hooks run beside the
    settings' hooks, and different commands registered for one event each run.
    """
    plugin = enabled_plugin([settings for _, settings in settings_by_path])
    # event -> (matcher, command) -> the files registering it
    files: dict[str, dict[tuple[object, str], list[str]]] = {}
    for path, settings in settings_by_path:
        for (event, matcher), commands in commands_by_registration(settings).items():
            for command in commands:
                where = files.setdefault(event, {}).setdefault((matcher, command), [])
                where.append(display_path(path))
    if plugin and files:
        named = dict.fromkeys(f for found in files.values() for f in sum(found.values(), []))
        return f"by the agent-runs plugin ({plugin}) and in {', '.join(named)}"
    for event, found in files.items():
        for (matcher, command), where in found.items():
            others = {
                other: places
                for (other_matcher, other), places in found.items()
                if other != command and _overlap(matcher, other_matcher)
            }
            if others:
                named = "; ".join(
                    f"`{c}` in {', '.join(places)}"
                    for c, places in {command: where, **others}.items()
                )
                return f"as {len(others) + 1} different commands for {event} ({named})"
    return None


def _overlap(one: object, other: object) -> bool:
    """Whether two matchers (as ``_norm_matcher`` leaves them) can match the same tool: a
    pattern that is not a list of names is taken to match anything."""
    if isinstance(one, frozenset) and isinstance(other, frozenset):
        return not one.isdisjoint(other)
    return True


def registered_database(settings: dict) -> str | None:
    """The ``--db`` that every registered agent-runs hook command names, when they all name
    the same one (None: no hook, the default database, or several)."""
    found = command_databases(settings)
    return found.pop() if len(found) == 1 and None not in found else None


def command_databases(settings: dict) -> set[str | None]:
    """The ``--db`` each registered agent-runs hook command names (None: the default)."""
    return {paths.db_argument(_word_splits(c)[0]) for c in installed_commands(settings)}


ELF_HOOK_MARKERS = ("post_tool_learning", "emergent-learning")
ELF_DUPLICATES_NOTE = (
    "ELF's post-tool hook is registered too ({commands}): for every Agent call it writes a "
    "node of its own; agent-runs marks that node duplicate_of its own node and leaves it "
    "out of every count, panel and query"
)


def elf_hook_commands(settings: dict) -> list[str]:
    """The Emergent Learning Framework's own hook commands registered in ``settings``."""
    hooks = _check(settings).get("hooks") or {}
    found: list[str] = []
    for groups in hooks.values():
        for group in groups:
            for entry in group.get("hooks", []):
                command = entry.get("command")
                if (
                    isinstance(command, str)
                    and not is_our_command(command)
                    and any(marker in command for marker in ELF_HOOK_MARKERS)
                    and command not in found
                ):
                    found.append(command)
    return found


def dumps(settings: dict) -> str:
    """Serialise settings the way we write them: indent=2, UTF-8, trailing newline."""
    return json.dumps(settings, indent=2, ensure_ascii=False) + "\n"


def diff(before: dict, after: dict, path: str) -> str:
    """Return a unified diff between the pretty JSON of ``before`` and ``after``."""
    return "".join(
        difflib.unified_diff(
            dumps(before).splitlines(keepends=True),
            dumps(after).splitlines(keepends=True),
            fromfile=f"{path} (before)",
            tofile=f"{path} (after)",
        )
    )


# --------------------------------------------------------------------------- disk


def _read(path: Path, label: str) -> tuple[dict, bytes | None]:
    """Return (settings, raw bytes or None when the file doesn't exist)."""
    try:
        kind = stat.S_IFMT(path.stat().st_mode)
        if kind == stat.S_IFDIR:
            raise SettingsError(f"{label} is a directory, not a file; left untouched")
        if kind != stat.S_IFREG:  # a FIFO or device would block or never end
            raise SettingsError(f"{label} is not a regular file; left untouched")
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        raise SettingsError(f"cannot read {label}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{label} is not valid UTF-8 (byte {exc.start}); left untouched"
        ) from None
    if not text.strip():
        return {}, raw

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in JSON")

    try:
        settings = json.loads(
            text,
            parse_constant=no_constants,
            parse_float=exact_float,
            object_pairs_hook=unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{label} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg};"
            " left untouched"
        ) from None
    except ValueError as exc:
        raise SettingsError(f"{label} is not valid JSON: {exc}; left untouched") from None
    problem = _problem(settings)
    if problem is not None:
        raise SettingsError(f"{label}: {problem}; left untouched")
    return settings, raw


def exact_float(text: str) -> float:
    """A JSON number as a float; ValueError when writing it back would change it."""
    value = float(text)
    if not math.isfinite(value) or decimal.Decimal(text) != decimal.Decimal(repr(value)):
        raise ValueError(f"the number {text[:40]} cannot be kept exactly")
    return value


def unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object; ValueError when a key repeats (merging would drop one of them)."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key[:40]!r} appears twice in one object")
        found[key] = value
    return found


def read_settings(path: Path) -> dict:
    """The settings in ``path`` ({} when missing); SettingsError when broken."""
    return _read(path, display_path(path))[0]


def _default_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _backup_path(target: Path, now: _dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    candidate = target.with_name(f"{target.name}.bak-{stamp}")
    n = 1
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.bak-{stamp}-{n}")
        n += 1
    return candidate


def _write_backup(target: Path, raw: bytes, mode: int, now: _dt.datetime) -> Path:
    while True:
        backup = _backup_path(target, now)
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:  # raced with another run
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(backup, mode)
    except BaseException:
        _unlink_quietly(backup)
        raise
    return backup


def _write_atomic(target: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root can give a file away
                os.chown(tmp, *owner)
        os.replace(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def apply(
    path: Path | str,
    *,
    uninstall: bool = False,
    dry_run: bool = False,
    files: bool = False,
    command: str | None = None,
    now: _dt.datetime | None = None,
) -> InstallResult:
    """Install (or with ``uninstall`` remove) our hooks in the settings file at ``path``.

    A missing file counts as ``{}``. A malformed file raises :class:`SettingsError`
    and is left untouched. Unless ``dry_run`` or nothing changes, the previous
    file (when there was one) is copied to ``settings.json.bak-YYYYmmddTHHMMSSZ``
    beside it and the new content is written atomically with the old file mode.
    A symlinked settings.json is written through to its target. ``command``
    defaults to :func:`hook_command`; ``now`` (UTC) names the backup.
    """
    path = Path(path).expanduser().absolute()
    label = display_path(path)
    target = Path(os.path.realpath(path))  # write through symlinks (dotfile managers)
    before, raw = _read(target, label)

    if uninstall:
        after, count = _remove(before)
        added, updated, dropped = 0, 0, count
    else:
        after, added, updated, dropped = _merge(
            before, command if command is not None else hook_command(), files
        )
    changed = after != before
    result_diff = diff(before, after, label) if changed else ""
    if not changed or dry_run:
        return InstallResult(path, changed, False, None, result_diff, added, updated, dropped)

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if raw is not None:
            st = target.stat()
            mode = stat.S_IMODE(st.st_mode)
            owner = (st.st_uid, st.st_gid)
        else:
            mode, owner = _default_mode(), None
        stamp = now if now is not None else _dt.datetime.now(_dt.timezone.utc)
        backup = _write_backup(target, raw, 0o600, stamp) if raw is not None else None
    except OSError as exc:
        raise SettingsError(f"cannot write {label}: {exc.strerror or exc}") from None
    try:
        try:
            # Someone (Claude Code itself?) may have edited the file meanwhile.
            current = target.read_bytes() if raw is not None else None
        except FileNotFoundError:
            current = None
        if current != raw:
            raise SettingsError(f"{label} changed while being updated; left untouched, try again")
        _write_atomic(target, dumps(after).encode("utf-8"), mode, owner)
    except (OSError, SettingsError) as exc:
        if backup is not None:
            _unlink_quietly(backup)
        if isinstance(exc, SettingsError):
            raise
        raise SettingsError(f"cannot write {label}: {exc.strerror or exc}") from None
    return InstallResult(path, True, True, backup, result_diff, added, updated, dropped)
