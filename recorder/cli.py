"""The ``agent-runs`` command line: a thin click layer over the recorder's Python API."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
import uuid
from typing import TYPE_CHECKING

import click

from recorder.hook import database, paths
from recorder.ops import dbfile, diagnostics, install
from recorder.ops import serving_secret as secret

if TYPE_CHECKING:
    from recorder.hook.replay import ReplayReport

DB_PATH = "agent_runs.database"  # ctx.meta key: the database the command works on
DB_HELP = (
    "SQLite database (default: $AGENT_RUNS_DB, else ~/.claude/emergent-learning/memory/index.db)."
)
# How long `init` waits for a derivation worker that holds the database: after an upgrade
# of agent-runs it runs the migrations, minutes on a large file.
WORKER_WAIT_SECONDS = 600.0


class Cli(click.Group):
    """Turns expected failures into one clear line and exit code 1, never a traceback."""

    def main(self, *args, **kwargs):
        from recorder.plugins import manager as plugins

        plugins.add_commands(self)  # rescans the plugins, refreshing the hook's cache
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # the reader (head, less …) stopped: not an error
            reader_gone()
            return None
        except sqlite3.Error as exc:  # name the file: "attempt to write a readonly database"
            where = ctx.meta.get(DB_PATH)
            message = f"{where}: {one_line(exc)}" if where else one_line(exc)
            raise click.ClickException(message) from None
        except (OSError, ValueError, install.SettingsError) as exc:
            raise click.ClickException(one_line(exc)) from None
        except Exception as exc:
            if os.environ.get("AGENT_RUNS_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {one_line(exc)}"
            ) from None


def reader_gone() -> None:
    """Standard output's reader (head, less …) stopped: what is left to print goes nowhere."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def require_redaction_patterns() -> None:
    """Refuse to write events while the user's redaction pattern file is broken."""
    from recorder.redaction.configured import problem

    broken = problem()
    if broken:
        raise click.ClickException(broken + "; fix or remove it, then run again")


def database_path(db: str | None, *, must_exist: bool) -> str:
    """The database path of ``--db``, refused with one line when it cannot be one.

    Commands that only read (or replay into) a database pass ``must_exist``: a mistyped
    path must not become a new, empty database. Such a command reading the default database
    while the registered hooks write another says so (in its error, else on stderr).
    """
    path = paths.database(db)
    elsewhere = [] if explicit(db) or not must_exist else diagnostics.written_elsewhere(path)
    hooks = f"the registered hooks write {', '.join(elsewhere)}"
    why = dbfile.problem(path, must_exist=must_exist)
    if why:
        raise click.ClickException(why + (f"; {hooks}" if elsewhere else ""))
    if elsewhere:
        click.echo(f"reading {path}; {hooks} (--db to read that)", err=True)
    return path


def explicit(db: str | None) -> bool:
    """Whether the database was chosen (``--db`` or ``$AGENT_RUNS_DB``), not the default."""
    return bool(db or os.environ.get(paths.ENV_DB))


def sync_first(path: str, label: str = "Deriving kept events", *, reading: bool = False) -> int:
    """Apply the kept events waiting for derivation (a requested rebuild too); return count.

    Every command that reads the tables calls this first. Nothing to do for a missing file.
    A command that only reads (``reading``) goes on when the file cannot be written now
    (read-only, locked), saying what is not derived yet.
    """
    if not os.path.exists(path):
        return 0
    from recorder.derive import sync as derive

    conn = None
    try:
        conn = database.connect(path)
        waiting = derive.pending(conn)
        if derive.rebuild_requested(conn):
            waiting = derive.kept(conn)
        if waiting < 1000:
            return derive.sync(conn, path)
        with click.progressbar(length=waiting, label=label, file=sys.stderr) as bar:
            return derive.sync(conn, path, progress=bar.update)
    except (OSError, sqlite3.Error) as exc:
        if not (reading and database.read_only_now(exc)):
            raise
        waiting = not_derived(path)
        if waiting != 0:  # all is derived: a read-only file is read as it is, silently
            count = "some" if waiting is None else f"{waiting:,}"
            click.echo(
                f"Warning: {path}: {one_line(exc)}; {count} kept events are not derived "
                "yet, so what follows leaves them out",
                err=True,
            )
        return 0
    finally:
        if conn is not None:
            conn.close()


def not_derived(path: str) -> int | None:
    """How many kept events of ``path`` wait for derivation, read without writing (None
    when that cannot be read)."""
    from recorder.derive import sync as derive

    try:
        conn = database.reader(path)
        try:
            return derive.pending(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def db_option(default: str | None = None):
    return click.option(
        "--db",
        "db",
        default=default,
        type=click.Path(dir_okay=False),
        help=DB_HELP,
        callback=remember_database,
    )


def remember_database(ctx: click.Context, _param: click.Parameter, db: str | None) -> str | None:
    """Note the command's database (``ctx.meta`` is shared with the group) for its errors."""
    ctx.meta[DB_PATH] = paths.database(db)
    return db


@click.group(cls=Cli)
@click.version_option(package_name="agent-runs")
def cli() -> None:
    """Record Claude Code subagent runs into SQLite and explore them with Datasette."""


@cli.command()
@db_option()
def init(db: str | None) -> None:
    """Create the database, or upgrade it (an ELF index.db included) in place."""
    path = database_path(db, must_exist=False)
    try:
        conn = database.connect(path)
    except sqlite3.OperationalError as exc:
        from recorder.hook import deriver

        if not database.busy(exc):
            raise
        if not deriver.running(path):
            conn = database.connect(path)  # once more: a worker may have just finished
        else:
            click.echo(
                f"{path}: the derivation worker is writing it (after an upgrade of "
                "agent-runs, it runs the migrations); waiting for it",
                err=True,
            )
            conn = database.connect(path, timeout=WORKER_WAIT_SECONDS)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    click.echo(f"{path}: schema version {version}")


@cli.command(context_settings={"ignore_unknown_options": True})
@db_option()
def hook(db: str | None) -> None:
    """The Claude Code hook: record one event from stdin (always exits 0)."""
    from recorder.hook.handle import main

    sys.exit(main(["--db", db] if db else []))


def kept_database(settings: os.PathLike) -> str | None:
    """The ``--db`` the registered hooks in ``settings`` name, said aloud (None if none)."""
    try:
        found = install.registered_database(install.read_settings(settings))
    except install.SettingsError:
        return None  # apply says what is wrong with the file
    if found:
        click.echo(f"keeping --db {found} of the registered hooks (--db to change it)", err=True)
    return found


@cli.command("install-hooks")
@click.option(
    "--scope",
    type=click.Choice(list(install.SETTINGS_SCOPES)),
    default="user",
    show_default=True,
    help="~/.claude/settings.json, ./.claude/settings.json or ./.claude/settings.local.json",
)
@click.option("--uninstall", is_flag=True, help="Remove exactly what install-hooks added.")
@click.option("--dry-run", is_flag=True, help="Show the change without writing it.")
@click.option(
    "--files", is_flag=True, help="Also record file tools (Edit, Write, Read …) used by subagents."
)
@click.option(
    "--db",
    "db",
    default=None,
    type=click.Path(dir_okay=False),
    help="Database the hook writes to (default: the hook's own default).",
)
def install_hooks(scope: str, uninstall: bool, dry_run: bool, files: bool, db: str | None) -> None:
    """Register the agent-runs hook in Claude Code's settings.json.

    Without --db, a database an earlier install-hooks --db named stays.
    """
    target = install.settings_path(scope)
    if db is None and not uninstall:
        db = kept_database(target)
    command = install.hook_command(db=paths.database(db) if db else None)
    result = install.apply(
        target,
        uninstall=uninstall,
        dry_run=dry_run,
        files=files,
        command=command,
    )
    if result.diff and dry_run:  # what a real run did is the line below (and the backup)
        click.echo(result.diff, nl=False)
    verb = "would change" if dry_run else "updated"
    if not result.changed:
        state = "no agent-runs hook to remove" if uninstall else "already up to date"
        click.echo(f"{result.path}: {state}")
    else:
        rewritten = f", {result.updated} rewritten" if result.updated else ""
        click.echo(f"{result.path}: {verb} (+{result.added} -{result.removed} hooks{rewritten})")
        if result.backup:
            click.echo(f"backup: {result.backup}")
    elf = install.elf_hook_commands(install.read_settings(result.path))
    if elf and not uninstall:
        click.echo(install.ELF_DUPLICATES_NOTE.format(commands=", ".join(elf)))
    twice = None if uninstall or dry_run else diagnostics.registered_twice()
    if twice:
        click.echo(
            f"warning: the hook is now registered twice ({twice}): Claude Code will run it "
            "twice for every event; keep one",
            err=True,
        )


@cli.command()
@db_option()
@click.option("--strict", is_flag=True, help="Exit 1 when some event still fails.")
@click.option(
    "--discard-dead-letters",
    is_flag=True,
    help="Set the dead letters aside (kept in a file beside the database) instead of retrying.",
)
def replay(db: str | None, strict: bool, discard_dead_letters: bool) -> None:
    """Ingest spooled events and retry dead letters; what still fails stays kept."""
    from recorder.derive.apply import apply_payload

    path = paths.database(db)
    waiting = paths.pending(path, paths.SPOOL) + paths.pending(path, paths.DEAD_LETTERS)
    path = database_path(db, must_exist=not waiting)
    if discard_dead_letters:
        from recorder.ops.dead_letters import discard

        count, kept = discard(path)
        where = f", kept in {kept}" if kept else ""
        click.echo(f"{path}: {count} dead letter(s) discarded{where}")
        return
    report = replayed(path, rederive=apply_payload)
    sync_first(path)
    click.echo(f"{path}: {report}")
    if report.still_failing:
        junk = report.not_events
        never = (
            f"; {junk} of them hold no JSON event (Claude Code never sends such input) and "
            "never will: `agent-runs replay --discard-dead-letters` sets them aside"
            if junk
            else ""
        )
        click.echo(
            f"{report.still_failing} event(s) still failing: see the dead letters{never}", err=True
        )
        if strict:
            raise SystemExit(1)


@cli.command()
@db_option()
def sync(db: str | None) -> None:
    """Keep the events spooled while the database could not be written, then derive the
    tables from the kept events waiting now (the hook's worker does both too)."""
    path = database_path(db, must_exist=True)
    spooled = ""
    if paths.pending(path, paths.SPOOL):
        report = replayed(path, dead_letters=False)
        spooled = f" ({report.recorded} spooled events kept first)"
    click.echo(f"{path}: {sync_first(path)} events derived{spooled}")


def replayed(path: str, **options) -> ReplayReport:
    """``hook.replay.replay`` into ``path`` (with the user's redaction patterns in order)."""
    from recorder.hook.replay import replay

    require_redaction_patterns()
    conn = database.connect(path)
    try:
        return replay(conn, path, **options)
    finally:
        conn.close()


@cli.command()
@db_option()
def rebuild(db: str | None) -> None:
    """Re-derive every derived table from the kept events (same rows, same ids).

    Rows no kept event explains (from ELF or an earlier agent-runs) are kept as they are.
    """
    from recorder.derive import sync as derive

    path = database_path(db, must_exist=True)
    conn = database.connect(path)
    try:
        database.write(conn, derive.request_rebuild)
    finally:
        conn.close()
    click.echo(f"{path}: {sync_first(path, 'Rebuilding')} events derived again")


@cli.command()
@db_option()
@click.option(
    "--fix",
    is_flag=True,
    help="Make recorded data readable by its owner only, and writable by them again.",
)
@click.option(
    "--coverage",
    is_flag=True,
    help="Compare the transcripts with what the hook recorded: executions it missed, and why.",
)
@click.option("--since", help="With --coverage: only executions since then (7d, 24h, ISO time).")
@click.argument("sources", nargs=-1, type=click.Path())
def doctor(
    db: str | None, fix: bool, coverage: bool, since: str | None, sources: tuple[str, ...]
) -> None:
    """Check hooks, database, schema, spool and file modes; exit 1 when something is wrong.

    The database is --db's, else the one the registered hooks name, else the default.

    With --coverage, read the transcripts (SOURCES, else ~/.claude/projects) instead and
    print, per day, the subagent executions they show and how many the hook recorded.
    """
    if coverage:
        capture_coverage(db, since, sources)
        return
    if since or sources:
        raise click.UsageError("--since and SOURCES go with --coverage")
    checked = paths.database(db or diagnostics.hook_database())
    if fix:
        from recorder.ops import permissions

        try:
            for path in database.unstick_companions(checked):
                click.echo(f"fixed {path}: writable by its owner again")
            found = permissions.exposed(checked)
            permissions.tighten(found)
        except OSError as exc:
            raise click.ClickException(f"cannot fix {exc.filename}: {exc.strerror}") from None
        for path in found:
            click.echo(f"fixed {path}: now readable by its owner only")
    found = list(diagnostics.checks(checked))
    problems = sum(not ok for ok, _ in found)
    try:
        for ok, line in found:
            click.echo(("ok    " if ok else "FAIL  ") + line)
    except BrokenPipeError:  # read by head: the exit code still says what was found
        reader_gone()
        raise click.exceptions.Exit(1 if problems else 0) from None
    if problems:
        raise click.ClickException(f"{problems} problem(s) found")


def capture_coverage(db: str | None, since: str | None, sources: tuple[str, ...]) -> None:
    from recorder.ops import coverage
    from recorder.sources import backfill as backfilling

    path = database_path(db, must_exist=True)
    since = backfilling.parse_since(since)
    files = backfilling.transcript_files(sources)
    conn = database.connect(path)
    try:
        report = coverage.check(conn, path, files, since)
    finally:
        conn.close()
    for line in report.lines():
        click.echo(line)


@cli.command()
@db_option()
def stats(db: str | None) -> None:
    """Counts of sessions, runs and nodes by status."""
    path = database_path(db, must_exist=True)
    sync_first(path, reading=True)
    for line in diagnostics.summary(path):
        click.echo(line)


@cli.command()
@click.option(
    "--db",
    "db",
    default=os.path.join("memory", "index.db"),
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the demo database.",
    callback=remember_database,
)
@click.option("--days", default=35, show_default=True, type=click.IntRange(1, 3650))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def demo(db: str, days: int, seed: int, force: bool) -> None:
    """Write a realistic demo database through the real recording path.

    A demo database already at that path is reused (``--force`` writes a fresh one); a
    database holding recorded events is never replaced.
    """
    from recorder.sources import demo as demos

    path = os.path.abspath(db)
    if os.path.exists(path):
        why = dbfile.problem(path, must_exist=True) or dbfile.not_agent_runs(path)
        if why and not force:
            raise click.ClickException(f"{why}; use --force to replace it")
        recorded, demo_written = (None, False) if why else dbfile.demo_contents(path)
        if recorded:
            raise click.ClickException(
                f"{path} holds {recorded}: it is no demo database, and the demo never "
                "replaces one (give it another --db)"
            )
        if demo_written and not force:
            click.echo(f"{path}: reusing the demo database there (--force writes a fresh one)")
            return
    with click.progressbar(length=days, label="Recording demo days") as bar:
        counts = demos.write_demo(path, days=days, seed=seed, progress=bar.update)
    click.echo(f"{path}: {counts}")


@cli.command()
@db_option()
@click.option("-h", "--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--auth",
    is_flag=True,
    help="Refuse anonymous requests (a token or a login is needed); required off loopback.",
)
def serve(db: str | None, host: str, port: int, auth: bool) -> None:
    """Serve the database with Datasette (loopback only unless --auth)."""
    if not auth and not is_loopback(host):
        raise click.ClickException(
            f"refusing to bind {host}: agent-runs serves loopback only unless "
            "authentication is configured (--auth)"
        )
    path = database_path(db, must_exist=True)
    taken = port_taken(host, port)
    if taken:
        raise click.ClickException(taken)
    sync_first(path, reading=True)
    # Datasette runs in this process: our plugin reads these from its environment.
    os.environ["AGENT_RUNS_ALLOWED_HOSTS"] = allowed_hosts(host, auth)
    shown = "localhost" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    click.echo(f"agent-runs dashboard: {base}/-/agent-runs  (database {path}; Ctrl+C stops)")
    if auth:
        os.environ[secret.ENV_SECRET] = secret.instance_secret()
        os.environ["AGENT_RUNS_AUTH"] = "required"
        token = secret.make_token(secret.DEFAULT_ACTOR)
        server = uuid.uuid4().hex  # sign-in codes of this run only
        os.environ["AGENT_RUNS_SIGN_IN_SERVER"] = server
        code = secret.make_login_link_code(secret.DEFAULT_ACTOR, server)
        click.echo(
            f"authentication required: sign in at {base}/-/agent-runs/login"
            f"?code={code} (one use, within 10 minutes)\n"
            f"or send 'Authorization: Bearer {token}' (valid 30 days)",
            err=True,
        )
    sys.stdout.flush()
    sys.stderr.flush()
    # A file SQLite can only read as immutable (a read-only folder or mount) is served so.
    served = ["-i", path] if database.needs_immutable(path) else [path]
    from datasette.cli import cli as datasette  # in this process: signals reach its server

    datasette.main(["serve", *served, "-h", host, "-p", str(port)], prog_name="datasette")


def allowed_hosts(host: str, auth: bool) -> str:
    """The Host names the server answers to: loopback names and the bound name; any name
    when it binds every interface with --auth (see datasette_plugins/gate.py)."""
    if auth and host in ("0.0.0.0", "::"):
        return "*"
    return ",".join(("localhost", "127.0.0.1", "::1", host.strip("[]")))


def port_taken(host: str, port: int) -> str | None:
    """Why the server cannot listen on ``host``:``port`` (another server has it, or the
    address is not this machine's), or None when it can (checked by binding it a moment)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, proto) as probe:
            if os.name != "nt":  # as the server binds: a port in TIME_WAIT is free
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror or exc} (try another --port)"
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
@db_option()
@click.option(
    "--kind",
    type=click.Choice(["nodes", "runs", "sessions"]),
    default="nodes",
    show_default=True,
    help="What to export.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "ndjson", "csv"]),
    default="json",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, readable=False, allow_dash=True),
    help="Write to FILE (atomically; a new file is readable by you only); - is stdout.",
)
@click.option("--since", help="Only since then: 7d, 24h, 90m or an ISO time.")
@click.option("--status", help="Only these statuses (comma-separated).")
@click.option("--agent-type", help="Only these agent types (comma-separated).")
@click.option("--project", help="Only projects whose path contains this text, e.g. webshop.")
@click.option(
    "--otlp",
    metavar="URL",
    help="Send finished runs not sent before as OpenTelemetry traces (OTLP/HTTP).",
)
def export(db, kind, fmt, output, since, status, agent_type, project, otlp) -> None:
    """Export nodes, runs or sessions as JSON, NDJSON or CSV, or as traces with --otlp."""
    from recorder.sinks import export as exporting

    path = database_path(db, must_exist=True)
    if otlp is not None:
        alone(otlp, output)
    sync_first(path, reading=True)
    filters = {"since": since, "status": status, "agent_type": agent_type, "project": project}
    if otlp:
        from recorder.sinks import otlp as tracing

        try:
            sent = tracing.send(path, otlp, **filters)
        except tracing.ERRORS as exc:
            raise click.ClickException(one_line(exc)) from None
        click.echo(f"sent {sent.runs} runs ({sent.spans} spans) to {otlp}", err=True)
        return
    if output and output != "-":
        count = exporting.export_to_path(path, output, kind=kind, fmt=fmt, **filters)
        click.echo(f"{output}: {count} {kind}", err=True)
        return
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        exporting.export(path, out, kind=kind, fmt=fmt, **filters)
        out.flush()
    except BrokenPipeError:  # the reader (head, less …) stopped: not an error
        reader_gone()
    finally:
        out.detach()


def alone(otlp: str, output: str | None) -> None:
    """Refuse --otlp without a URL, or with options that only shape a file export."""
    if not otlp.strip():
        raise click.BadParameter(
            "needs the collector's URL, e.g. http://127.0.0.1:4318", param_hint="--otlp"
        )
    ctx = click.get_current_context()
    given = [
        option
        for option, param in (("--kind", "kind"), ("--format", "fmt"))
        if ctx.get_parameter_source(param) is not click.core.ParameterSource.DEFAULT
    ]
    if output is not None:
        given.append("--output")
    if given:
        raise click.UsageError(f"--otlp sends traces: {', '.join(given)} does not apply to it")


@cli.command()
@db_option()
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("--since", help="Only executions since then: 7d, 24h or an ISO time.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Processes that read, redact and judge transcripts ahead "
    "(default: one per CPU for more than 8 MB of transcripts, else 0).",
)
def backfill(
    db: str | None, sources: tuple[str, ...], since: str | None, workers: int | None
) -> None:
    """Record subagent runs from Claude Code transcripts (default: ~/.claude/projects).

    Idempotent: running it again, or over what the hook recorded, adds nothing twice.
    """
    from recorder.sources import backfill as history

    require_redaction_patterns()
    path = database_path(db, must_exist=False)
    files = history.transcript_files(list(sources) or None)
    since_at = history.parse_since(since) if since else None
    sync_first(path)  # backfill skips what the tables already hold
    conn = database.connect(path)
    try:
        with click.progressbar(
            length=history.total_bytes(files), label="Reading transcripts", file=sys.stderr
        ) as bar:
            report = history.backfill(
                conn, files, db=path, since=since_at, progress=bar.update, workers=workers
            )
    finally:
        conn.close()
    click.echo(f"{path}: {report}")
    if report.dead_letters_note():
        click.echo(f"Warning: {report.dead_letters_note()}", err=True)


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def list_plugins(as_json: bool) -> None:
    """List the recorder plugins: built-ins and installed ones, with their hooks."""
    from recorder.plugins import manager as plugins

    rows = plugins.listing()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        origin = f"{row['distribution']} {row['version']}" if row["distribution"] else row["kind"]
        hooks = ", ".join(row["hooks"]) if row["loaded"] else "NOT LOADED (see the error above)"
        click.echo(f"{row['name']}  [{row['kind']}: {origin}, {row['module']}]  {hooks}")


@cli.command()
@db_option()
@click.option(
    "--older-than",
    required=True,
    help="Delete runs whose last activity is older than this: 90d, 12h, 2w or an ISO time.",
)
@click.option("--keep-failures", is_flag=True, help="Keep runs with a failed node.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; change nothing.")
def prune(db: str | None, older_than: str, keep_failures: bool, dry_run: bool) -> None:
    """Delete old sessions, runs and nodes (with their child rows), then reclaim space.

    A run's last activity is the latest time recorded for it or any of its nodes.
    """
    from recorder.ops.prune import Pruning

    path = database_path(db, must_exist=True)
    if not dry_run:  # a dry run changes nothing, not even the schema
        sync_first(path)
    with (
        Pruning(path, older_than, keep_failures=keep_failures, dry_run=dry_run) as pruning,
        click.progressbar(length=pruning.total_runs, label="Pruning runs", file=sys.stderr) as bar,
    ):
        report = pruning.run(progress=bar.update)
    click.echo(f"{path}: {report}")


@cli.command()
@click.option(
    "--actor", default=secret.DEFAULT_ACTOR, show_default=True, help="Who the token signs in as."
)
@click.option(
    "--expires", default="30d", show_default=True, help="How long the token is valid (12h, 30d)."
)
@click.option("--revoke-all", is_flag=True, help="Revoke every token and sign-in issued until now.")
def token(actor: str, expires: str, revoke_all: bool) -> None:
    """Print a token for `agent-runs serve --auth` (send it as 'Authorization: Bearer …').

    It is signed with $DATASETTE_SECRET, else the secret kept in
    ~/.config/agent-runs/datasette-secret, and expires after --expires. --revoke-all
    makes every token and browser sign-in issued before now invalid, on running servers too.
    """
    if revoke_all:
        from datasette_plugins import auth

        auth.revoke_all()
        click.echo("every token and sign-in issued until now is revoked")
        return
    click.echo(secret.make_token(actor, duration_seconds(expires)))


LONGEST_TOKEN_DAYS = 365


def duration_seconds(text: str) -> int:
    """Seconds of a duration like 90m, 12h, 30d (a year at most); a click error otherwise."""
    units = {"m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise click.BadParameter(f"{text!r}: give a duration like 90m, 12h or 30d")
    seconds = int(number) * units[unit]
    if seconds > LONGEST_TOKEN_DAYS * 86400:
        raise click.BadParameter(f"{text!r}: a token lasts at most {LONGEST_TOKEN_DAYS} days")
    return seconds


if __name__ == "__main__":
    cli()
