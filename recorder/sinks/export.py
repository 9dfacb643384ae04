"""``agent-runs export``: node executions, runs or sessions as JSON, NDJSON or CSV.

Rows stream from an SQLite cursor straight to the output, one at a time, so
exporting a million rows takes the memory of one row (nothing is fetched in bulk
and nothing is buffered but the output stream's own buffer). The SQL is in
``recorder/schema/sql/export_<kind>.sql``; every filter left empty means "all".

The API the command line uses::

    export(db, out, kind="nodes", fmt="json", since=None, status=None,
           agent_type=None, project=None, now=None) -> int
    export_to_path(db, path, **same keywords) -> int      # -o FILE, atomic

Both return the number of rows written and raise :class:`ExportError` (a
``ValueError``; its message is one line) for a bad kind, format or filter, a
missing or unreadable database, or an output file that cannot be written.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TextIO

from recorder import timespan
from recorder.schema.queries import sql

KINDS = ("nodes", "runs", "sessions")
FORMATS = ("json", "ndjson", "csv")
KIND_ALIASES = {"node_executions": "nodes", "workflow_runs": "runs"}

NODE_STATUSES = ("running", "completed", "failed", "cancelled", "abandoned", "pending")
RUN_STATUSES = ("running", "completed", "failed", "cancelled", "pending")
# The status filter of a kind: runs by their own status; nodes, and sessions by the
# status of the nodes they contain.
STATUSES = {"nodes": NODE_STATUSES, "runs": RUN_STATUSES, "sessions": NODE_STATUSES}


class ExportError(ValueError):
    """A one-line reason why an export cannot be done (bad filter, no database, ...)."""


# --- filters ---------------------------------------------------------------------------


def parse_since(
    value: str | datetime | None, now: datetime | None = None, option: str = "--since"
) -> str | None:
    """``timespan.parse_since_past``, its ValueError an ExportError."""
    try:
        return timespan.parse_since_past(value, now, option)
    except ValueError as exc:
        raise ExportError(str(exc)) from None


def _values(value: str | Iterable[str] | None, *, split: bool) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        parts = str(item).split(",") if split else [str(item)]
        out.extend(p.strip() for p in parts if p.strip())
    return out


def normalise_kind(kind: str) -> str:
    """The kind: nodes, runs or sessions (table names are accepted too); raises ExportError."""
    name = KIND_ALIASES.get(kind, kind)
    if name not in KINDS:
        raise ExportError(f"unknown export kind {kind!r}: expected one of {', '.join(KINDS)}")
    return name


def query_parameters(
    kind: str,
    *,
    since: str | datetime | None = None,
    status: str | Iterable[str] | None = None,
    agent_type: str | Iterable[str] | None = None,
    project: str | Iterable[str] | None = None,
    now: datetime | None = None,
) -> dict[str, str | None]:
    """The named parameters of ``export_<kind>.sql`` (None = all); raises ExportError.

    ``status`` and ``agent_type`` may be a list or a comma-separated string
    ("failed,cancelled"); ``project`` may be one value or a list of values.
    """
    kind = normalise_kind(kind)
    statuses = _values(status, split=True)
    allowed = STATUSES[kind]
    for value in statuses:
        if value not in allowed:
            raise ExportError(
                f"unknown status {value!r} for {kind}: expected one of {', '.join(allowed)}"
            )
    agent_types = _values(agent_type, split=True)
    projects = _values(project, split=False)
    return {
        "since": parse_since(since, now),
        "statuses": json.dumps(statuses) if statuses else None,
        "agent_types": json.dumps(agent_types) if agent_types else None,
        "projects": json.dumps(projects) if projects else None,
    }


# --- rows ------------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    raise TypeError(f"cannot export a {type(value).__name__} as JSON")


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)


def json_object(columns: Sequence[str], row: Iterable[object]) -> str:
    """One row as a JSON object (column order kept, non-ASCII text as is).

    The one encoding of a row for ``json`` and ``ndjson`` exports and for the
    Datasette ``.ndjson`` renderer, so they give the same bytes for the same row.
    """
    return _ENCODER.encode(dict(zip(columns, row, strict=True)))


def open_database(db: str | os.PathLike) -> sqlite3.Connection:
    """The database at ``db``, upgraded to the latest schema; ExportError if absent."""
    from recorder.hook import database
    from recorder.schema import version

    path = os.fspath(db)
    if not os.path.isfile(path):
        raise ExportError(f"no database at {path}")
    try:
        return database.connect(path)
    except (OSError, sqlite3.Error) as exc:
        if not database.read_only_now(exc):
            raise ExportError(f"cannot open database {path}: {exc}") from None
        problem = exc  # read-only: read it as it is, if its schema is this code's
    try:
        conn = database.reader(path)
        found = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise ExportError(f"cannot open database {path}: {exc}") from None
    if found != version.LATEST:
        conn.close()
        raise ExportError(
            f"cannot open database {path}: {problem}, and its schema ({found}) is not this "
            f"agent-runs' ({version.LATEST}) to read it as it is"
        )
    conn.row_factory = sqlite3.Row
    return conn


def rows(
    conn: sqlite3.Connection, kind: str, parameters: dict[str, str | None]
) -> tuple[list[str], Iterator[tuple]]:
    """(column names, a lazy iterator of row tuples) for ``kind`` with ``parameters``."""
    return cleaned(conn, f"export_{normalise_kind(kind)}", parameters)


def cleaned(
    conn: sqlite3.Connection, query: str, parameters: dict
) -> tuple[list[str], Iterator[tuple]]:
    """(columns, rows) of an export query, without its last column ``_derived``.

    A row agent-runs derived from a kept event was redacted before it was kept. Any
    other row (ELF's, also those its code inserts after the upgrade, or one from before
    kept events) has its text redacted here, so no secret leaves through an export.
    """
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql(query), parameters)
    columns = [d[0] for d in cursor.description]
    if columns[-1] != "_derived":
        raise ValueError(f"{query}.sql: its last column must be _derived")
    return columns[:-1], (row[:-1] if row[-1] else _redacted(row[:-1]) for row in cursor)


def _redacted(row: tuple) -> tuple:
    from recorder.redaction.configured import redact_text

    return tuple(redact_text(value) if isinstance(value, str) else value for value in row)


def write_json(out: TextIO, columns: Sequence[str], source: Iterable[tuple]) -> int:
    """A JSON array, one object per line, written as the rows come."""
    count = 0
    for row in source:
        out.write("[\n" if count == 0 else ",\n")
        out.write(json_object(columns, row))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def write_ndjson(out: TextIO, columns: Sequence[str], source: Iterable[tuple]) -> int:
    """Newline-delimited JSON: one object per line."""
    count = 0
    for row in source:
        out.write(json_object(columns, row))
        out.write("\n")
        count += 1
    return count


def write_csv(out: TextIO, columns: Sequence[str], source: Iterable[tuple]) -> int:
    """CSV with a header row; NULL is an empty field; lines end with \\n."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in source:
        writer.writerow(row)
        count += 1
    return count


WRITERS = {"json": write_json, "ndjson": write_ndjson, "csv": write_csv}


def export(
    db: str | os.PathLike | sqlite3.Connection,
    out: TextIO,
    *,
    kind: str = "nodes",
    fmt: str = "json",
    since: str | datetime | None = None,
    status: str | Iterable[str] | None = None,
    agent_type: str | Iterable[str] | None = None,
    project: str | Iterable[str] | None = None,
    now: datetime | None = None,
) -> int:
    """Write ``kind`` rows matching the filters to ``out`` as ``fmt``; return the count.

    ``db`` is a path (opened, upgraded, closed here) or an open connection.
    Everything is checked before the first byte is written; ExportError on failure.
    """
    if fmt not in WRITERS:
        raise ExportError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    kind = normalise_kind(kind)
    parameters = query_parameters(
        kind, since=since, status=status, agent_type=agent_type, project=project, now=now
    )
    conn = db if isinstance(db, sqlite3.Connection) else open_database(db)
    try:
        columns, source = rows(conn, kind, parameters)
        return WRITERS[fmt](out, columns, source)
    except sqlite3.Error as exc:
        raise ExportError(f"cannot read the database: {exc}") from None
    finally:
        if conn is not db:
            conn.close()


def _new_file_mode(target: str) -> int:
    """The target's mode when it exists, else owner read and write only."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o600


def export_to_path(
    db: str | os.PathLike | sqlite3.Connection, path: str | os.PathLike, **kw
) -> int:
    """``export`` into the file at ``path``, atomically; return the row count.

    The rows go to a temporary file beside ``path`` that replaces it only once
    complete: on any error the temporary file is removed and ``path`` is left as it
    was (absent or with its old content). A new file is readable by its owner only. A
    symbolic link keeps pointing where it did (the file it names is replaced); a path
    that is no regular file (``/dev/stdout``, a named pipe) is written into, as a shell's
    ``>`` would. Keywords as for :func:`export`.
    """
    given = os.fspath(path)
    try:
        special = not stat.S_ISREG(os.stat(given).st_mode)
    except OSError:
        special = False  # absent: created
    if special:  # opened by the name given: /dev/stdout resolves to no path when it is a pipe
        try:
            with open(given, "w", encoding="utf-8", newline="") as out:
                return export(db, out, **kw)
        except OSError as exc:
            raise ExportError(f"cannot write {given}: {exc.strerror or exc}") from None
    target = os.path.realpath(given)
    directory = os.path.dirname(target)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise ExportError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = export(db, out, **kw)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _new_file_mode(target))
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ExportError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return count
