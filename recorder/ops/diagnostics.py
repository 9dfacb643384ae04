"""What ``agent-runs doctor`` and ``stats`` report."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Generator, Iterator

from recorder.derive import compaction, deferral, prices
from recorder.hook import clock, database, deriver, paths, replay, spool
from recorder.hook.events import META
from recorder.ops import hook_command, install, permissions
from recorder.redaction import configured as redaction
from recorder.schema import migrations
from recorder.schema.queries import sql


def checks(db: str) -> Iterator[tuple[bool, str]]:
    """(ok, one line) for hooks, the hook commands, database, schema, spool, dead letters."""
    yield hooks_check()
    yield from hook_command.checks(registered_commands())
    yield from elf_hook_check()
    damaged = yield from database_checks(db)
    for name, label, advice in (
        (paths.SPOOL, "spooled events", " (run `agent-runs replay`)"),
        (
            paths.DEAD_LETTERS,
            "dead letters",
            " (run `agent-runs replay`; `replay --discard-dead-letters` sets them aside)",
        ),
    ):
        files = paths.pending(db, name)
        count = sum(spool.count_lines(f) for f in files)
        where = ", ".join(files) if files else "none"
        advice = advice if count else ""
        junk = sum(map(replay.not_events, files)) if name == paths.DEAD_LETTERS else 0
        if junk:
            rest = "; `agent-runs replay` retries the rest" if junk < count else ""
            advice = (
                f", {junk} of them holding no JSON event, which never replays (`agent-runs "
                f"replay --discard-dead-letters` sets them aside{rest})"
            )
        yield count == 0, f"{label}: {count} waiting{advice} [{where}]"
    yield redaction.status()
    yield permissions.check(db)
    if os.path.exists(db) and not damaged:  # else the database line said all there is
        yield from derivation_check(db)
        yield from kept_twice_check(db)
        yield prices_check(db)


# Events waiting longer than this with no worker running are stuck (a worker starts and
# derives a burst within a second or two).
STUCK_SECONDS = 30


def derivation_check(db: str) -> Iterator[tuple[bool, str]]:
    """Whether the tables keep up with the kept events: events waiting and a worker
    deriving them, a rebuild asked for, indexes a load left deferred (nothing when the
    schema is not current: the schema line says so)."""
    try:
        conn = database.reader(db)
        try:
            if migrations.schema_version(conn) != migrations.LATEST:
                return
            waiting, oldest, kept, rebuild, deferred = conn.execute(
                sql("doctor_derivation")
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        yield False, f"derivation: its state cannot be read ({exc})"
        return
    deriving = _holds(deriver.lock_path(db))
    run_sync = " (run `agent-runs sync`)"
    if rebuild:
        what = "a worker is rebuilding" if deriving else "no worker runs it" + run_sync
        yield deriving, f"derivation: a rebuild is asked for (derivation was fixed); {what}"
    if deferred:
        if not _holds(deferral.lock_path(db)):
            yield (
                False,
                (
                    "derivation: a load that stopped left the full-text index and the rollups "
                    "deferred" + run_sync
                ),
            )
        else:
            yield True, "derivation: a load is running (it builds its indexes when it ends)"
    age = time.time() - (clock.epoch(oldest) or time.time())
    if not waiting:
        yield True, f"derivation: every kept event is derived ({kept:,} kept)"
    elif deriving:
        yield True, f"derivation: {waiting:,} kept events waiting; a worker is deriving them"
    elif age <= STUCK_SECONDS:
        yield True, f"derivation: {waiting:,} kept events just received, waiting for a worker"
    else:
        off = "" if deriver.enabled() else f"; {deriver.SWITCH_ENV}=off: the hook starts none"
        yield (
            False,
            (
                f"derivation: {waiting:,} kept events waiting since {oldest} and no worker "
                f"derives them{off}" + run_sync
            ),
        )


def _holds(lock: str) -> bool:
    """Whether a process holds the lock file ``lock`` (False when it cannot be looked at:
    the database line names an unwritable folder)."""
    try:
        free = deriver.hold(lock)
    except (OSError, sqlite3.Error):
        return False
    if free is None:
        return True
    free.close()
    return False


# How many of the latest kept events the kept-twice line looks at (the hook's among them).
TWICE_WINDOW = 2000


def kept_twice_check(db: str) -> Iterator[tuple[bool, str]]:
    """Whether the hook ran twice for one event (registered twice: the plugin and settings,
    or ``--plugin-dir`` beside them): among the hook's events in the latest kept ones,
    those whose payload repeats one kept within two seconds for the same session and
    subject."""
    try:
        conn = database.reader(db)
        try:
            if migrations.schema_version(conn) != migrations.LATEST:
                return
            window = {"window": TWICE_WINDOW}
            pairs = conn.execute(sql("doctor_kept_twice"), window).fetchall()
            (looked,) = conn.execute(sql("doctor_hook_events"), window).fetchone()
            reader = compaction.Reader(conn)
            twice = {
                pair[3]  # the later of the two
                for pair in pairs
                if _content(reader, *pair[:3]) == _content(reader, *pair[3:])
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        yield False, f"kept twice: the kept events cannot be read ({exc})"
        return
    if not twice:
        yield True, f"kept twice: none of the {looked:,} hook events among the latest kept"
        return
    reason = registered_twice()
    why = f", {reason}" if reason else " (a --plugin-dir plugin?)"
    yield (
        False,
        (
            f"kept twice: {len(twice):,} of the {looked:,} hook events among the latest kept "
            f"arrived twice (the tables count each once): the hook is registered twice{why}"
        ),
    )


def _content(reader: compaction.Reader, kept_id: int, event: bytes, block: int | None) -> dict:
    """A kept event's payload without our receipt stamp (what Claude Code sent)."""
    payload = reader.payload(kept_id, event, block)
    payload.pop(META, None)
    return payload


def prices_check(db: str) -> tuple[bool, str]:
    """The price table in use, and the models seen that it cannot price (their cost is NULL)."""
    table = prices.load()
    if table.problem:
        return False, f"prices: {table.problem} (shipped prices used)"
    where = f"table of {table.date} ({table.source})"
    if table.user_path:
        where += f" with {table.user_path}"
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)
        try:
            seen = conn.execute(sql("models_seen")).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return True, f"prices: {where}"
    unpriced = [f"{model} ({uses})" for model, uses in seen if table.find(model) is None]
    if unpriced:
        return False, (
            f"prices: {where}; models seen without a price: {', '.join(unpriced)} "
            f"(add them to {prices.user_file() or '~/.config/agent-runs/prices.toml'})"
        )
    return True, f"prices: {where}; every model seen has a price"


def hooks_check() -> tuple[bool, str]:
    """Whether every agent-runs hook event is registered once, by settings or the plugin."""
    readable, notes = settings_read()
    if notes:
        return False, "hooks: " + "; ".join(notes)
    twice = install.registered_twice(readable)  # the notes above: none unreadable
    if twice:
        return False, (
            f"hooks: registered twice ({twice}), so Claude Code runs the hook twice for every "
            "event; keep one (`agent-runs install-hooks --uninstall --scope user|project|"
            "local` takes ours out of that settings file)"
        )
    registered: dict[str, bool] = {}
    for _, settings in readable:
        for event, present in install.installed_events(settings).items():
            registered[event] = registered.get(event, False) or present
    plugin = install.enabled_plugin([settings for _, settings in readable])
    if plugin and not any(registered.values()):
        return True, f"hooks: registered by the agent-runs plugin ({plugin})"
    missing = sorted(e for e, present in registered.items() if not present)
    if missing:
        return (
            False,
            f"hooks: not installed for {', '.join(missing)} (run `agent-runs install-hooks`)",
        )
    return True, "hooks: installed for every event"


def settings_files() -> list[str]:
    """The user's settings.json, the project's and its settings.local.json, each once (run
    from the home folder, the user's and the project's are the same file)."""
    found: dict[str, str] = {}
    for scope in install.SETTINGS_SCOPES:
        path = install.settings_path(scope)
        found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def settings_read() -> tuple[list[tuple[str, dict]], list[str]]:
    """(path, settings) of the user, project and local settings that can be read, in that
    order, and a line for each that cannot (or that turns every hook off)."""
    readable: list[tuple[str, dict]] = []
    notes: list[str] = []
    for path in settings_files():
        try:
            settings = install.read_settings(path)
            install.installed_events(settings)  # refuses a malformed hooks section
        except install.SettingsError as exc:  # said as install-hooks says it, which writes
            notes.append(str(exc).replace("; left untouched", ""))
            continue
        if settings.get("disableAllHooks") is True:
            where = install.display_path(path)
            notes.append(f"{where} sets disableAllHooks: Claude Code runs no hook")
        readable.append((path, settings))
    return readable, notes


def registered_twice() -> str | None:
    """Why the readable settings make Claude Code run the hook twice (None: they do not)."""
    return install.registered_twice(settings_read()[0])


def readable_settings() -> Iterator[dict]:
    """User and project settings that can be read (hooks_check names the broken ones)."""
    for _, settings in settings_read()[0]:
        yield settings


def hook_database() -> str | None:
    """The database the registered hooks write when their commands name one (``--db``)."""
    for settings in readable_settings():
        found = install.registered_database(settings)
        if found:
            return found
    return None


def hooks_databases() -> list[str]:
    """The databases the registered hooks (settings' or the plugin's) write; none when no
    hook is registered."""
    readable = [settings for _, settings in settings_read()[0]]
    found = {db for settings in readable for db in install.command_databases(settings)}
    if install.enabled_plugin(readable):
        found.add(None)  # the plugin's hook writes the default database
    return sorted(paths.database(db) for db in found)


def written_elsewhere(db: str) -> list[str]:
    """The databases the registered hooks write, when ``db`` is none of them (else none)."""
    written = hooks_databases()
    return [] if _same_file(db) in {_same_file(w) for w in written} else written


def _same_file(path: str) -> str:
    """``path`` as the file it names (links followed; Windows' case ignored)."""
    return os.path.normcase(os.path.realpath(path))


def registered_commands() -> list[str]:
    """The agent-runs hook commands in user and project settings (readable ones)."""
    commands: list[str] = []
    for settings in readable_settings():
        commands.extend(c for c in install.installed_commands(settings) if c not in commands)
    return commands


def elf_hook_check() -> Iterator[tuple[bool, str]]:
    """A line naming ELF's own hook when it is registered beside ours (informational)."""
    commands: list[str] = []
    for settings in readable_settings():
        commands.extend(c for c in install.elf_hook_commands(settings) if c not in commands)
    if commands:
        yield True, "elf: " + install.ELF_DUPLICATES_NOTE.format(commands=", ".join(commands))


def database_checks(db: str) -> Generator[tuple[bool, str], None, bool]:
    """One line naming the database's problem (missing directory, corrupt, read-only,
    locked, disk full) or saying it is fine, then one for its schema. Returns whether the
    file is damaged (no database, or a corrupt one): nothing more can be read of it."""
    if not os.path.exists(db):
        yield creation_check(db)
        return False
    read_only = next((p for p in (db, os.path.dirname(db)) if not os.access(p, os.W_OK)), None)
    if read_only:
        yield False, f"database: {db} is read-only ({read_only} is not writable)"
        return False
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)
        try:
            version = migrations.schema_version(conn)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        yield False, f"database: {db} " + damage(db, exc)
        return not isinstance(exc, sqlite3.OperationalError)  # locked, say, is no damage
    if check != "ok":
        yield False, f"database: {db} is corrupt (integrity check: {check})"
        return True
    problem = writability_problem(db)
    yield problem is None, f"database: {db} " + (problem or "is writable, integrity ok")
    advice = ""
    if version < migrations.LATEST:
        advice = " (upgraded by the worker the next hook starts, or by `agent-runs init`)"
    elif version > migrations.LATEST:
        advice = " (written by a newer agent-runs: upgrade agent-runs; until then the hook spools)"
    yield version == migrations.LATEST, f"schema: version {version} of {migrations.LATEST}{advice}"
    return False


NOT_A_DATABASE = 26  # SQLITE_NOTADB


def damage(db: str, exc: sqlite3.DatabaseError) -> str:
    """What is wrong with a database SQLite refused to open or read."""
    if getattr(exc, "sqlite_errorcode", None) == NOT_A_DATABASE:
        return f"is not a SQLite database ({exc})"
    if not isinstance(exc, sqlite3.OperationalError):
        return f"is corrupt ({exc})"
    return unreadable(db, exc)


def creation_check(db: str) -> tuple[bool, str]:
    """Whether the hook can create ``db`` (and its missing directories) on the first event."""
    directory = existing = os.path.dirname(db)
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    if os.access(existing, os.W_OK):
        elsewhere = written_elsewhere(db)
        if elsewhere:
            return False, (
                f"database: {db} does not exist, and the registered hooks write "
                f"{', '.join(elsewhere)}, so nothing will create it (another --db meant?)"
            )
        return True, f"database: {db} does not exist yet (it will be created on the first event)"
    if existing == directory:
        return False, f"database: directory {directory} is read-only; {db} cannot be created"
    return (
        False,
        f"database: directory {directory} is missing and cannot be created "
        f"({existing} is not writable)",
    )


def unreadable(db: str, exc: sqlite3.Error) -> str:
    """Why ``db`` cannot be read: a full disk (no room for SQLite's shared memory) or ``exc``."""
    if database.disk_full(db):
        return f"cannot grow: disk full ({database.free_bytes(db):,} bytes free on its filesystem)"
    return f"cannot be read: {exc}"


def writability_problem(db: str) -> str | None:
    """Why the hook could not write to the (readable, permitted) ``db`` now, or None."""
    try:
        conn = sqlite3.connect(db, timeout=1)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"cannot be written: {exc}"
    return unreadable(db, sqlite3.Error()) if database.disk_full(db) else None


def summary(db: str) -> Iterator[str]:
    """Lines of counts for ``agent-runs stats``."""
    conn = database.reader(db)
    try:
        yield f"sessions: {conn.execute(sql('counts')).fetchone()[0]}"
        for label, query in (("runs", "summary_runs"), ("nodes", "summary_nodes")):
            rows = conn.execute(sql(query)).fetchall()
            total = sum(n for _, n in rows)
            by_status = ", ".join(f"{s} {n}" for s, n in rows)
            yield f"{label}: {total}" + (f" ({by_status})" if by_status else "")
    finally:
        conn.close()
