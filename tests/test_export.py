"""Export as JSON / NDJSON / CSV (recorder.sinks.export) and the Datasette .ndjson renderer.

The known database is recorded through the real path (test_datasette_helpers.build):
nodes A B C (3 h ago; C failed), D (3 days), E (10 days), F (11 min, running, other
project); runs 1 (A B C, failed), 2 (D), 3 (E), 4 (F, running); sessions sess-a, sess-b.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import threading
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import query, run_cli
from datasette.app import Datasette
from test_datasette_helpers import build, get

from recorder.hook import database
from recorder.sinks import export

NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("export") / "index.db", now=NOW)


def table(db: Path, name: str, order: str = "id") -> list[dict]:
    return query(db, f"SELECT * FROM {name} ORDER BY {order}")


def exported(db, fmt="ndjson", **kw) -> str:
    out = io.StringIO()
    export.export(db, out, fmt=fmt, now=NOW, **kw)
    return out.getvalue()


def ndjson_rows(db, **kw) -> list[dict]:
    text = exported(db, "ndjson", **kw)
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def ids(db, **kw) -> list:
    key = "id"
    return [row[key] for row in ndjson_rows(db, **kw)]


# --- formats ---------------------------------------------------------------------------


def test_every_format_parses_back_to_the_rows(known):
    nodes = table(known, "node_executions")
    assert len(nodes) == 6
    assert json.loads(exported(known, "json")) == nodes
    assert ndjson_rows(known) == nodes
    parsed = list(csv.reader(io.StringIO(exported(known, "csv"), newline="")))
    assert parsed[0] == list(nodes[0])
    assert parsed[1:] == [["" if v is None else str(v) for v in row.values()] for row in nodes]
    # Newlines, quotes and markup inside values survive the CSV round trip.
    assert any("\n" in row["result_text"] for row in nodes if row["result_text"])


def test_json_is_one_object_per_line_and_empty_is_an_empty_array(known):
    text = exported(known, "json")
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 6 + 2
    assert exported(known, "json", status="abandoned") == "[]\n"
    assert exported(known, "ndjson", status="abandoned") == ""
    header_only = exported(known, "csv", status="abandoned")
    assert header_only.splitlines() == [",".join(table(known, "node_executions")[0])]


def test_runs_and_sessions_are_their_tables(known):
    assert ndjson_rows(known, kind="runs") == table(known, "workflow_runs")
    assert ndjson_rows(known, kind="workflow_runs") == table(known, "workflow_runs")
    assert ndjson_rows(known, kind="sessions") == table(known, "sessions", "rowid")
    assert json.loads(exported(known, "json", kind="sessions")) == table(known, "sessions", "rowid")


def test_non_ascii_text_is_written_as_is(tmp_path):
    db = tmp_path / "index.db"
    conn = database.connect(str(db))
    conn.execute(
        "INSERT INTO node_executions (run_id, node_id, node_name, status) "
        "VALUES (1, 'n', 'Überprüfe ✓ 日本', 'completed')"
    )
    conn.close()
    assert '"Überprüfe ✓ 日本"' in exported(db, "ndjson")
    assert ndjson_rows(db)[0]["node_name"] == "Überprüfe ✓ 日本"


# --- filters ---------------------------------------------------------------------------


def test_node_filters(known):
    assert ids(known) == [1, 2, 3, 4, 5, 6]
    assert ids(known, since="24h") == [1, 2, 3, 6]
    assert ids(known, since="7d") == [1, 2, 3, 4, 6]
    assert ids(known, since="90m") == [6]
    assert ids(known, since="2w") == [1, 2, 3, 4, 5, 6]
    assert ids(known, status="failed") == [3]
    assert ids(known, status="failed,running") == [3, 6]
    assert ids(known, status=["completed"]) == [1, 2, 4, 5]
    assert ids(known, agent_type="Explore") == [1, 3, 4]
    assert ids(known, agent_type=["Plan", "general-purpose"]) == [2, 5, 6]
    assert ids(known, agent_type="Plan, general-purpose") == [2, 5, 6]  # as --agent-type A,B
    assert ids(known, project="/home/u/other") == [6]
    assert ids(known, since="7d", agent_type="Explore", status="completed") == [1, 4]
    assert ids(known, agent_type="nobody") == []
    # Empty values mean "all", like None.
    assert ids(known, since="", status="", agent_type=[], project="") == [1, 2, 3, 4, 5, 6]


def test_since_accepts_an_iso_time(known):
    d_started = query(known, "SELECT started_at FROM node_executions WHERE id = 4")[0]
    assert ids(known, since=d_started["started_at"]) == [1, 2, 3, 4, 6]
    cutoff = NOW - timedelta(days=5)
    assert ids(known, since=cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")) == [1, 2, 3, 4, 6]
    same_in_berlin = cutoff.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert ids(known, since=same_in_berlin) == [1, 2, 3, 4, 6]
    assert ids(known, since=cutoff) == [1, 2, 3, 4, 6]
    with pytest.raises(export.ExportError, match="is in the future: nothing is after it"):
        ids(known, since=(NOW + timedelta(days=1)).date().isoformat())  # not silently empty


def test_run_filters(known):
    assert ids(known, kind="runs") == [1, 2, 3, 4]
    assert ids(known, kind="runs", since="24h") == [1, 4]
    assert ids(known, kind="runs", status="failed") == [1]
    assert ids(known, kind="runs", status="completed,running") == [2, 3, 4]
    assert ids(known, kind="runs", agent_type="Plan") == [1, 3]
    assert ids(known, kind="runs", project="/home/u/other") == [4]


def test_session_filters(known):
    assert ids(known, kind="sessions") == ["sess-a", "sess-b"]
    assert ids(known, kind="sessions", since="1h") == ["sess-b"]
    assert ids(known, kind="sessions", since="24h") == ["sess-a", "sess-b"]
    assert ids(known, kind="sessions", status="failed") == ["sess-a"]
    assert ids(known, kind="sessions", agent_type="general-purpose") == ["sess-b"]
    assert ids(known, kind="sessions", project="/home/u/proj") == ["sess-a"]


def test_parse_since():
    now = datetime(2026, 11, 24, 12, 0, 0, 250_000, tzinfo=timezone.utc)
    assert export.parse_since("90m", now) == "2026-11-24T10:30:00.250Z"
    assert export.parse_since("24h", now) == "2026-11-23T12:00:00.250Z"
    assert export.parse_since(" 7D ", now) == "2026-11-17T12:00:00.250Z"
    assert export.parse_since("2026-11-01", now) == "2026-11-01T00:00:00.000Z"
    assert export.parse_since("2026-11-01T09:30:00Z", now) == "2026-11-01T09:30:00.000Z"
    assert export.parse_since("2026-11-01T09:30:00.5+02:00", now) == "2026-11-01T07:30:00.500Z"
    assert export.parse_since("2026-11-01T09:30", now) == "2026-11-01T09:30:00.000Z"
    assert export.parse_since(None) is None
    assert export.parse_since("  ") is None


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"since": "yesterday"}, ["--since", "yesterday", "7d"]),
        ({"since": "7x"}, ["--since", "7x"]),
        ({"since": "2026-13-01"}, ["--since", "2026-13-01"]),
        ({"since": "99999999d"}, ["--since"]),
        ({"status": "faild"}, ["faild", "failed"]),
        ({"status": "abandoned", "kind": "runs"}, ["abandoned", "runs"]),
        ({"kind": "tasks"}, ["tasks", "nodes, runs, sessions"]),
        ({"fmt": "xml"}, ["xml", "json, ndjson, csv"]),
    ],
)
def test_bad_arguments_raise_a_one_line_value_error(known, kw, words):
    out = io.StringIO()
    with pytest.raises(ValueError) as info:
        export.export(known, out, **kw)
    message = str(info.value)
    assert isinstance(info.value, export.ExportError)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert out.getvalue() == ""


def test_a_missing_database_is_an_error_and_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "index.db"
    with pytest.raises(export.ExportError, match="no database at"):
        export.export(missing, io.StringIO())
    assert not missing.parent.exists()


# --- -o FILE, atomically -----------------------------------------------------------------


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_export_to_path_writes_the_same_bytes(known, tmp_path):
    for fmt in export.FORMATS:
        target = tmp_path / f"nodes.{fmt}"
        count = export.export_to_path(known, target, fmt=fmt, now=NOW, since="7d")
        assert count == 5
        assert target.read_text(encoding="utf-8") == exported(known, fmt, since="7d")
    assert leftovers(tmp_path) == []
    assert (tmp_path / "nodes.csv").stat().st_mode & 0o777 == 0o600  # new: the owner's only
    (tmp_path / "nodes.csv").chmod(0o640)
    export.export_to_path(known, tmp_path / "nodes.csv", fmt="csv", now=NOW)
    assert (tmp_path / "nodes.csv").stat().st_mode & 0o777 == 0o640  # replaced: its mode kept


def test_export_to_path_writes_through_a_link_and_into_a_pipe(known, tmp_path):
    real = tmp_path / "real" / "nodes.json"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "nodes.json"
    link.symlink_to(real)
    assert export.export_to_path(known, link, fmt="json", now=NOW) == 6
    assert link.is_symlink() and real.read_text() == exported(known, "json")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    assert export.export_to_path(known, pipe, fmt="ndjson", now=NOW) == 6
    reader.join(10)
    assert pipe.exists() and got == [exported(known, "ndjson").encode()]
    assert leftovers(tmp_path) == []


def test_cli_output_dev_stdout_writes_into_the_pipe_it_is(known, tmp_path):
    """``-o /dev/stdout`` when stdout is a pipe (``| jq``): its real path names no file."""
    done = run_cli("export", "--db", str(known), "--format", "ndjson", "-o", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    assert done.stdout == exported(known, "ndjson")


def test_cli_output_dash_is_stdout_and_otlp_takes_no_file_options(known, tmp_path):
    done = run_cli("export", "--db", str(known), "--format", "ndjson", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 6
    assert not (tmp_path / "-").exists()
    for extra in (["--format", "csv"], ["-o", "x.json"], ["--kind", "runs"]):
        done = run_cli("export", "--db", str(known), "--otlp", "http://127.0.0.1:9", *extra)
        assert done.returncode == 2 and "--otlp" in done.stderr and done.stdout == ""
    done = run_cli("export", "--db", str(known), "--otlp", "")
    assert done.returncode == 2 and "URL" in done.stderr and done.stdout == ""


def test_export_to_path_leaves_nothing_half_written(known, tmp_path):
    target = tmp_path / "nodes.json"
    target.write_text("old content\n")
    with pytest.raises(export.ExportError):
        export.export_to_path(known, target, since="someday")
    assert target.read_text() == "old content\n"
    assert leftovers(tmp_path) == []

    # A failure in the middle of the stream (row 4 of 6): the old file stays.
    conn = sqlite3.connect(known)
    conn.execute(
        "CREATE TEMP VIEW node_executions AS SELECT *, "
        "CASE WHEN id = 4 THEN json('{broken') END AS boom FROM main.node_executions"
    )
    partial = io.StringIO()
    with pytest.raises(export.ExportError, match="cannot read the database"):
        export.export(conn, partial)
    written = partial.getvalue()
    assert written.startswith('[\n{"id": 1,')  # it was streaming when the error came
    assert '"id": 4,' not in written and not written.endswith("]\n")
    with pytest.raises(export.ExportError):
        export.export_to_path(conn, target)
    conn.close()
    assert target.read_text() == "old content\n"
    assert leftovers(tmp_path) == []

    fresh = tmp_path / "fresh.csv"
    with pytest.raises(export.ExportError):
        export.export_to_path(known, fresh, status="nope")
    assert not fresh.exists() and leftovers(tmp_path) == []


def test_export_to_path_into_a_missing_directory_is_a_one_line_error(known, tmp_path):
    with pytest.raises(export.ExportError, match="cannot write") as info:
        export.export_to_path(known, tmp_path / "no" / "such" / "dir" / "out.json")
    assert "\n" not in str(info.value)


# --- constant memory -----------------------------------------------------------------------


class CountingSink(io.TextIOBase):
    """A text stream that only counts what it is given (keeps nothing)."""

    def __init__(self) -> None:
        self.chars = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.lines += text.count("\n")
        return len(text)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """200,000 node rows (about 600 bytes each), inserted by SQL into a real database."""
    db = tmp_path_factory.mktemp("big") / "index.db"
    conn = database.connect(str(db))
    conn.execute("BEGIN")
    conn.execute(
        """
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 200000)
        INSERT INTO node_executions (
            run_id, node_id, tool_use_id, node_name, agent_type, status, outcome,
            result_json, duration_ms, token_count, started_at, completed_at, project)
        SELECT
            1 + i / 10, 'toolu_' || i, 'toolu_' || i, 'task ' || i,
            CASE i % 3 WHEN 0 THEN 'Explore' WHEN 1 THEN 'Plan' ELSE 'general-purpose' END,
            CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'completed' END,
            CASE WHEN i % 7 = 0 THEN 'failure' ELSE 'success' END,
            json_object('i', i, 'pad', printf('%.400c', 'x')),
            i * 10, i * 3,
            strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds'),
            strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i + 5) || ' seconds'),
            CASE WHEN i <= 20000 THEN '/home/u/small' ELSE '/home/u/big' END
        FROM k
        """
    )
    conn.execute("COMMIT")
    conn.close()
    return db


def peak_memory(db: Path, fmt: str, **kw) -> tuple[int, CountingSink, int]:
    sink = CountingSink()
    tracemalloc.start()
    try:
        count = export.export(db, sink, fmt=fmt, **kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sink, count


# ndjson is json's row encoder without the brackets; tracing every allocation is slow,
# so the two writers with their own code (json's array, csv) are the ones measured.
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_streaming_200000_rows_in_flat_memory(big, fmt):
    small_peak, _, small_count = peak_memory(big, fmt, project="/home/u/small")
    assert small_count == 20_000
    peak, sink, count = peak_memory(big, fmt)
    assert count == 200_000
    assert sink.lines == 200_000 + (2 if fmt == "json" else 1)
    assert sink.chars > 100_000_000  # the data: well over 100 MB of text
    assert peak < 2_000_000, f"peak {peak} bytes for {sink.chars} chars"
    assert peak < sink.chars / 100
    # Flat: ten times the rows, about the same peak (no growth per row).
    assert peak < small_peak + 500_000 or peak < 2 * small_peak


# --- the Datasette .ndjson renderer -----------------------------------------------------


def test_ndjson_renderer_gives_the_export_lines(known):
    ds = Datasette([str(known)])
    response = get(ds, "/index/node_executions.ndjson?_sort=id&_size=max")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    assert response.text == exported(known, "ndjson")
    assert "link" not in response.headers

    failed = get(ds, "/index/node_executions.ndjson?status=failed")
    assert failed.text == exported(known, "ndjson", status="failed")

    runs = get(ds, "/index/workflow_runs.ndjson?_sort=id&_labels=on")
    assert [json.loads(line) for line in runs.text.splitlines()] == table(known, "workflow_runs")

    row = get(ds, "/index/node_executions/3.ndjson")
    assert [json.loads(line) for line in row.text.splitlines()] == [
        table(known, "node_executions")[2]
    ]


def test_ndjson_renderer_on_a_canned_query_and_sql(known):
    ds = Datasette([str(known)])
    response = get(ds, "/index/failed-tasks-this-week.ndjson")
    assert response.status_code == 200
    as_json = get(ds, "/index/failed-tasks-this-week.json?_shape=array").json()
    lines = response.text.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    assert len(lines) == 1 and json.loads(lines[0])["node_name"] == "Run the tests"

    custom = get(ds, "/index.ndjson?sql=select+id,+node_name+from+node_executions+order+by+id")
    assert custom.text.splitlines()[0] == '{"id": 1, "node_name": "Map the checkout"}'

    broken = get(ds, "/index.ndjson?sql=select+nope")
    assert broken.status_code == 400
    assert json.loads(broken.text)["error"]
    assert broken.text.count("\n") == 1


def test_ndjson_renderer_pages_with_a_link_header(known):
    ds = Datasette([str(known)])
    first = get(ds, "/index/node_executions.ndjson?_sort=id&_size=4")
    assert [json.loads(line)["id"] for line in first.text.splitlines()] == [1, 2, 3, 4]
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    assert ".ndjson?" in next_url
    second = get(ds, next_url.replace("http://localhost", ""))
    assert [json.loads(line)["id"] for line in second.text.splitlines()] == [5, 6]
    assert "link" not in second.headers


def test_ndjson_renderer_works_for_any_database_and_is_offered(known, tmp_path):
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "x"), (2, None)])
    conn.commit()
    conn.close()
    ds = Datasette([str(plain), str(known)])
    response = get(ds, "/plain/t.ndjson?_sort=a")
    assert response.text == '{"rowid": 1, "a": 1, "b": "x"}\n{"rowid": 2, "a": 2, "b": null}\n'
    page = get(ds, "/index/node_executions")
    assert "node_executions.ndjson" in page.text
    query_page = get(ds, "/index/failed-tasks-this-week")
    assert "failed-tasks-this-week.ndjson" in query_page.text
