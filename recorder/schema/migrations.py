"""Numbered schema migrations, recorded in the database.

Each migration is a small function taking a sqlite3 connection. They run in
order, once, inside one transaction per migration; the table
``_agent_runs_migrations`` records which have run and ``PRAGMA user_version``
mirrors their count so the hook can skip this module's work with one read.

Migration 1 creates the tables exactly as the Emergent Learning Framework (ELF)
does, so an ELF ``memory/index.db`` and a new file follow the same path from
there on: later migrations only add tables, columns, indexes and triggers.
Nothing is ever dropped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from recorder.schema import rollups
from recorder.schema.queries import add_columns, split_statements, sql

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute each statement of ``script`` inside the current transaction.

    (``executescript`` would commit first, breaking the one-transaction rule.)
    """
    for statement in split_statements(script):
        conn.execute(statement)


ISO_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"


@migration
def m001_elf_tables(conn: sqlite3.Connection) -> None:
    """The ELF conductor tables and indexes, as ELF creates them."""
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS workflows (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            description TEXT,
            nodes_json TEXT NOT NULL DEFAULT '[]',
            config_json TEXT DEFAULT '{}',
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            updated_at DATETIME DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE IF NOT EXISTS workflow_edges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            workflow_id INTEGER NOT NULL,
            from_node TEXT NOT NULL,
            to_node TEXT NOT NULL,
            condition TEXT DEFAULT '',
            priority INTEGER DEFAULT 100,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (workflow_id) REFERENCES workflows(id) ON DELETE CASCADE
        );
        CREATE TABLE IF NOT EXISTS workflow_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            workflow_id INTEGER,
            workflow_name TEXT,
            status TEXT NOT NULL DEFAULT 'pending',
            phase TEXT DEFAULT 'init',
            input_json TEXT DEFAULT '{}',
            output_json TEXT DEFAULT '{}',
            context_json TEXT DEFAULT '{}',
            total_nodes INTEGER DEFAULT 0,
            completed_nodes INTEGER DEFAULT 0,
            failed_nodes INTEGER DEFAULT 0,
            started_at DATETIME,
            completed_at DATETIME,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            error_message TEXT,
            FOREIGN KEY (workflow_id) REFERENCES workflows(id)
        );
        CREATE TABLE IF NOT EXISTS node_executions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL,
            node_id TEXT NOT NULL,
            node_name TEXT,
            node_type TEXT NOT NULL DEFAULT 'single',
            agent_id TEXT,
            session_id TEXT,
            prompt TEXT,
            prompt_hash TEXT,
            status TEXT NOT NULL DEFAULT 'pending',
            result_json TEXT DEFAULT '{}',
            result_text TEXT,
            findings_json TEXT DEFAULT '[]',
            files_modified TEXT DEFAULT '[]',
            duration_ms INTEGER,
            token_count INTEGER,
            retry_count INTEGER DEFAULT 0,
            started_at DATETIME,
            completed_at DATETIME,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            error_message TEXT,
            error_type TEXT,
            FOREIGN KEY (run_id) REFERENCES workflow_runs(id) ON DELETE CASCADE
        );
        CREATE TABLE IF NOT EXISTS trails (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER,
            location TEXT NOT NULL,
            location_type TEXT DEFAULT 'file',
            scent TEXT NOT NULL,
            strength REAL DEFAULT 1.0,
            agent_id TEXT,
            node_id TEXT,
            message TEXT,
            tags TEXT,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            expires_at DATETIME,
            FOREIGN KEY (run_id) REFERENCES workflow_runs(id)
        );
        CREATE TABLE IF NOT EXISTS conductor_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL,
            decision_type TEXT NOT NULL,
            decision_data TEXT DEFAULT '{}',
            reason TEXT,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY (run_id) REFERENCES workflow_runs(id) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS idx_workflows_name ON workflows(name);
        CREATE INDEX IF NOT EXISTS idx_edges_workflow ON workflow_edges(workflow_id);
        CREATE INDEX IF NOT EXISTS idx_runs_workflow ON workflow_runs(workflow_id);
        CREATE INDEX IF NOT EXISTS idx_runs_status ON workflow_runs(status);
        CREATE INDEX IF NOT EXISTS idx_runs_created ON workflow_runs(created_at DESC);
        CREATE INDEX IF NOT EXISTS idx_node_exec_run ON node_executions(run_id);
        CREATE INDEX IF NOT EXISTS idx_node_exec_agent ON node_executions(agent_id);
        CREATE INDEX IF NOT EXISTS idx_node_exec_status ON node_executions(status);
        CREATE INDEX IF NOT EXISTS idx_node_exec_created ON node_executions(created_at DESC);
        CREATE INDEX IF NOT EXISTS idx_node_exec_node_id ON node_executions(node_id);
        CREATE INDEX IF NOT EXISTS idx_node_exec_prompt_hash ON node_executions(prompt_hash);
        CREATE INDEX IF NOT EXISTS idx_trails_run ON trails(run_id);
        CREATE INDEX IF NOT EXISTS idx_decisions_run ON conductor_decisions(run_id);
        """,
    )


@migration
def m002_sessions_and_subagents(conn: sqlite3.Connection) -> None:
    """Claude Code sessions, and the subagents seen by SubagentStart/Stop."""
    run_script(
        conn,
        f"""
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            project TEXT,
            transcript_path TEXT,
            started_at TEXT,
            ended_at TEXT,
            end_reason TEXT,
            source TEXT,
            permission_mode TEXT,
            model TEXT,
            current_prompt TEXT,
            current_prompt_id TEXT,
            current_prompt_at TEXT,
            turn_ended_at TEXT,
            last_event_at TEXT,
            created_at TEXT DEFAULT {ISO_NOW}
        );
        CREATE INDEX IF NOT EXISTS idx_sessions_project ON sessions(project);
        CREATE INDEX IF NOT EXISTS idx_sessions_started ON sessions(started_at);
        CREATE TABLE IF NOT EXISTS subagents (
            agent_id TEXT PRIMARY KEY,
            session_id TEXT REFERENCES sessions(id),
            agent_type TEXT,
            transcript_path TEXT,
            last_assistant_message TEXT,
            started_at TEXT,
            stopped_at TEXT,
            created_at TEXT DEFAULT {ISO_NOW}
        );
        CREATE INDEX IF NOT EXISTS idx_subagents_session ON subagents(session_id);
        """,
    )


@migration
def m003_run_columns(conn: sqlite3.Connection) -> None:
    """What a run needs beyond ELF's columns: its session, prompt and grouping."""
    add_columns(
        conn,
        "workflow_runs",
        {
            "session_id": "TEXT REFERENCES sessions(id)",
            "prompt_id": "TEXT",
            "run_key": "TEXT",
            "grouping": "TEXT",
            "project": "TEXT",
            "closed_at": "TEXT",
            "cancelled_nodes": "INTEGER DEFAULT 0",
            "running_nodes": "INTEGER DEFAULT 0",
            "total_tokens": "INTEGER",
            "updated_at": "TEXT",
        },
    )


@migration
def m004_node_columns(conn: sqlite3.Connection) -> None:
    """What a node needs beyond ELF's columns: tool call, agent, outcome, tokens."""
    add_columns(
        conn,
        "node_executions",
        {
            "tool_use_id": "TEXT",
            "tool_name": "TEXT",
            "agent_type": "TEXT",
            "parent_agent_id": "TEXT",
            "model": "TEXT",
            "project": "TEXT",
            "is_background": "INTEGER NOT NULL DEFAULT 0",
            "outcome": "TEXT",
            "outcome_reason": "TEXT",
            "input_tokens": "INTEGER",
            "output_tokens": "INTEGER",
            "cache_read_tokens": "INTEGER",
            "cache_creation_tokens": "INTEGER",
            "tool_use_count": "INTEGER",
            "agent_transcript_path": "TEXT",
            "output_file": "TEXT",
            "updated_at": "TEXT",
        },
    )


@migration
def m005_indexes(conn: sqlite3.Connection) -> None:
    """The idempotency key and an index for every filter the dashboard uses."""
    run_script(
        conn,
        """
        CREATE UNIQUE INDEX IF NOT EXISTS idx_node_exec_tool_use_id
            ON node_executions(tool_use_id);
        CREATE INDEX IF NOT EXISTS idx_node_exec_session ON node_executions(session_id);
        CREATE INDEX IF NOT EXISTS idx_node_exec_started ON node_executions(started_at);
        CREATE INDEX IF NOT EXISTS idx_node_exec_status_started
            ON node_executions(status, started_at);
        CREATE INDEX IF NOT EXISTS idx_node_exec_agent_type
            ON node_executions(agent_type, started_at);
        CREATE INDEX IF NOT EXISTS idx_node_exec_project ON node_executions(project, started_at);
        CREATE INDEX IF NOT EXISTS idx_node_exec_outcome ON node_executions(outcome, started_at);
        CREATE UNIQUE INDEX IF NOT EXISTS idx_runs_run_key ON workflow_runs(run_key);
        CREATE INDEX IF NOT EXISTS idx_runs_session ON workflow_runs(session_id, closed_at);
        CREATE INDEX IF NOT EXISTS idx_runs_started ON workflow_runs(started_at);
        CREATE INDEX IF NOT EXISTS idx_runs_project ON workflow_runs(project, started_at);
        """,
    )


@migration
def m006_full_text_search(conn: sqlite3.Connection) -> None:
    """FTS5 over node text, kept in sync by triggers; Datasette detects it."""
    run_script(
        conn,
        """
        CREATE VIRTUAL TABLE IF NOT EXISTS node_executions_fts USING fts5(
            node_name, prompt, result_text, error_message,
            content=[node_executions], content_rowid=[id]
        );
        CREATE TRIGGER IF NOT EXISTS node_executions_fts_ai AFTER INSERT ON node_executions
        BEGIN
            INSERT INTO node_executions_fts(rowid, node_name, prompt, result_text, error_message)
            VALUES (new.id, new.node_name, new.prompt, new.result_text, new.error_message);
        END;
        CREATE TRIGGER IF NOT EXISTS node_executions_fts_ad AFTER DELETE ON node_executions
        BEGIN
            INSERT INTO node_executions_fts(
                node_executions_fts, rowid, node_name, prompt, result_text, error_message)
            VALUES ('delete', old.id, old.node_name, old.prompt, old.result_text,
                    old.error_message);
        END;
        CREATE TRIGGER IF NOT EXISTS node_executions_fts_au
        AFTER UPDATE OF node_name, prompt, result_text, error_message ON node_executions
        BEGIN
            INSERT INTO node_executions_fts(
                node_executions_fts, rowid, node_name, prompt, result_text, error_message)
            VALUES ('delete', old.id, old.node_name, old.prompt, old.result_text,
                    old.error_message);
            INSERT INTO node_executions_fts(rowid, node_name, prompt, result_text, error_message)
            VALUES (new.id, new.node_name, new.prompt, new.result_text, new.error_message);
        END;
        INSERT INTO node_executions_fts(node_executions_fts) VALUES ('rebuild');
        """,
    )


def iso_utc(column: str) -> str:
    """SQL that turns an ELF timestamp in ``column`` into ISO 8601 UTC with a Z.

    ELF wrote two kinds: SQLite's CURRENT_TIMESTAMP ('2026-01-02 03:04:05', UTC)
    and Python's naive ``datetime.now().isoformat()`` ('2026-01-02T03:04:05.123456',
    local time). Values with an explicit offset are converted; unparseable ones kept.
    """
    return (
        f"CASE WHEN {column} IS NULL OR {column} LIKE '%Z' THEN {column} "
        f"WHEN {column} GLOB '*T*[+-][0-9][0-9]:[0-9][0-9]' "
        f"THEN coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', {column}), {column}) "
        f"WHEN {column} LIKE '%T%' "
        f"THEN coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', {column}, 'utc'), {column}) "
        f"ELSE coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', {column}), {column}) END"
    )


UTC_TABLES = ("workflow_runs", "node_executions", "learnings")  # tables with UTC triggers
TIMESTAMP_COLUMNS = {
    "workflow_runs": ("started_at", "completed_at", "created_at"),
    "node_executions": ("started_at", "completed_at", "created_at"),
}


ELF_TIME = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"


def elf_utc(column: str) -> str:
    """SQL for ``column`` in ELF's own format: SQLite's CURRENT_TIMESTAMP, in UTC."""
    return f"coalesce(strftime('%Y-%m-%d %H:%M:%S', {iso_utc(column)}), {column})"


def utc_timestamp_triggers(
    conn: sqlite3.Connection,
    table: str,
    columns: tuple[str, ...],
    elf_columns: tuple[str, ...] = (),
) -> None:
    """Keep ``table``'s timestamps in UTC, now and on every later write.

    ``columns`` become ISO 8601 with a Z; ``elf_columns`` ELF's own 'YYYY-MM-DD HH:MM:SS'.
    The insert and update triggers send a row written otherwise to the empty view
    ``<table>_utc_changes``, whose one trigger converts it: the conversion is written once,
    not twice, in the schema every connection parses (the hook's included).
    """
    assignments = ", ".join(
        [f"{c} = {iso_utc(c)}" for c in columns] + [f"{c} = {elf_utc(c)}" for c in elf_columns]
    )

    def unconverted(prefix: str) -> str:
        return " OR ".join(
            [f"({prefix}{c} IS NOT NULL AND {prefix}{c} NOT LIKE '%Z')" for c in columns]
            + [
                f"({prefix}{c} IS NOT NULL AND {prefix}{c} NOT GLOB {ELF_TIME})"
                for c in elf_columns
            ]
        )

    view = f"{table}_utc_changes"
    for verb in ("insert", "update"):
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_utc_after_{verb}")
    conn.execute(f"DROP TRIGGER IF EXISTS {table}_utc_convert")
    conn.execute(f"DROP VIEW IF EXISTS {view}")
    conn.execute(f"UPDATE {table} SET {assignments} WHERE {unconverted('')}")
    conn.execute(f"CREATE VIEW {view} AS SELECT NULL AS id WHERE 0")
    conn.execute(
        f"CREATE TRIGGER {table}_utc_convert INSTEAD OF INSERT ON {view}\n"
        f"BEGIN UPDATE {table} SET {assignments} WHERE id = new.id; END"
    )
    for verb in ("INSERT", "UPDATE"):
        conn.execute(
            f"CREATE TRIGGER {table}_utc_after_{verb.lower()} AFTER {verb} ON {table}\n"
            f"WHEN {unconverted('new.')}\nBEGIN INSERT INTO {view} VALUES (new.id); END"
        )


def elf_format_utc_triggers(conn: sqlite3.Connection) -> None:
    """The UTC triggers of every table with times, ELF's own created_at kept in its format."""
    for table, columns in TIMESTAMP_COLUMNS.items():
        utc_timestamp_triggers(conn, table, columns[:2], elf_columns=("created_at",))
    utc_timestamp_triggers(conn, "learnings", ("updated_at",), elf_columns=("created_at",))


@migration
def m007_utc_timestamps(conn: sqlite3.Connection) -> None:
    """Existing ELF timestamps to UTC ISO 8601, and the same for rows ELF code adds later."""
    for table, columns in TIMESTAMP_COLUMNS.items():
        utc_timestamp_triggers(conn, table, columns)


@migration
def m008_elf_outcomes(conn: sqlite3.Connection) -> None:
    """Give ELF's finished nodes an outcome: from its result_json, else from status."""
    conn.execute(ELF_OUTCOME.format(where="1 = 1"))
    conn.execute(
        "UPDATE workflow_runs SET grouping = 'elf' WHERE grouping IS NULL AND run_key IS NULL"
    )


@migration
def m009_otlp_exports(conn: sqlite3.Connection) -> None:
    """Which finished runs ``agent-runs export --otlp`` has sent, per collector URL."""
    run_script(
        conn,
        f"""
        CREATE TABLE IF NOT EXISTS _agent_runs_otlp_exports (
            endpoint TEXT NOT NULL,
            run_id INTEGER NOT NULL,
            trace_id TEXT,
            run_status TEXT,
            run_updated_at TEXT,
            exported_at TEXT DEFAULT {ISO_NOW},
            PRIMARY KEY (endpoint, run_id)
        );
        """,
    )


@migration
def m010_learnings(conn: sqlite3.Connection) -> None:
    """ELF's learnings table, extended with the node, run and session a marker came from.

    A new database gets ELF's table first, so an upgraded ELF file and a new one end up
    with the same columns; ELF's NOT NULL columns stay filled by the recorder.
    """
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS learnings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL
                CHECK(type IN ('failure', 'success', 'heuristic', 'experiment', 'observation')),
            filepath TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT,
            tags TEXT,
            domain TEXT,
            severity INTEGER DEFAULT 3 CHECK(severity >= 1 AND severity <= 5),
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP
        );
        """,
    )
    add_columns(
        conn,
        "learnings",
        {
            "summary": "TEXT",
            "tags": "TEXT",
            "domain": "TEXT",
            "severity": "INTEGER DEFAULT 3",
            "updated_at": "DATETIME",
            "node_id": "INTEGER REFERENCES node_executions(id)",
            "run_id": "INTEGER REFERENCES workflow_runs(id)",
            "session_id": "TEXT REFERENCES sessions(id)",
            "kind": "TEXT",
            "text": "TEXT",
        },
    )
    utc_timestamp_triggers(conn, "learnings", ("created_at", "updated_at"))
    run_script(
        conn,
        """
        CREATE UNIQUE INDEX IF NOT EXISTS idx_learnings_node_text ON learnings(node_id, text);
        CREATE INDEX IF NOT EXISTS idx_learnings_domain ON learnings(domain);
        CREATE INDEX IF NOT EXISTS idx_learnings_created_at ON learnings(created_at DESC);
        CREATE INDEX IF NOT EXISTS idx_learnings_run ON learnings(run_id);
        CREATE VIRTUAL TABLE IF NOT EXISTS learnings_fts USING fts5(
            title, summary, domain, content=[learnings], content_rowid=[id]
        );
        CREATE TRIGGER IF NOT EXISTS learnings_fts_ai AFTER INSERT ON learnings
        BEGIN
            INSERT INTO learnings_fts(rowid, title, summary, domain)
            VALUES (new.id, new.title, new.summary, new.domain);
        END;
        CREATE TRIGGER IF NOT EXISTS learnings_fts_ad AFTER DELETE ON learnings
        BEGIN
            INSERT INTO learnings_fts(learnings_fts, rowid, title, summary, domain)
            VALUES ('delete', old.id, old.title, old.summary, old.domain);
        END;
        CREATE TRIGGER IF NOT EXISTS learnings_fts_au
        AFTER UPDATE OF title, summary, domain ON learnings
        BEGIN
            INSERT INTO learnings_fts(learnings_fts, rowid, title, summary, domain)
            VALUES ('delete', old.id, old.title, old.summary, old.domain);
            INSERT INTO learnings_fts(rowid, title, summary, domain)
            VALUES (new.id, new.title, new.summary, new.domain);
        END;
        INSERT INTO learnings_fts(learnings_fts) VALUES ('rebuild');
        """,
    )


@migration
def m011_file_touches(conn: sqlite3.Connection) -> None:
    """Files a subagent read or wrote (Read/Edit/Write/MultiEdit/NotebookEdit calls)."""
    run_script(
        conn,
        f"""
        CREATE TABLE IF NOT EXISTS file_touches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tool_use_id TEXT NOT NULL UNIQUE,
            session_id TEXT REFERENCES sessions(id),
            agent_id TEXT,
            agent_type TEXT,
            node_id INTEGER REFERENCES node_executions(id),
            run_id INTEGER REFERENCES workflow_runs(id),
            project TEXT,
            tool_name TEXT,
            file_path TEXT,
            access TEXT,
            touched_at TEXT,
            completed_at TEXT,
            created_at TEXT DEFAULT {ISO_NOW}
        );
        CREATE INDEX IF NOT EXISTS idx_file_touches_agent ON file_touches(agent_id, session_id);
        CREATE INDEX IF NOT EXISTS idx_file_touches_node ON file_touches(node_id);
        CREATE INDEX IF NOT EXISTS idx_file_touches_touched ON file_touches(touched_at);
        """,
    )


ELF_METRICS_VIEW = """
CREATE VIEW IF NOT EXISTS elf_metrics AS
SELECT
    n.id AS node_execution_id,
    strftime('%Y-%m-%d %H:%M:%S', coalesce(n.completed_at, n.created_at)) AS timestamp,
    'task_outcome' AS metric_type,
    n.outcome AS metric_name,
    1.0 AS metric_value,
    'reason:' || substr(coalesce(n.outcome_reason, ''), 1, 50) AS tags,
    coalesce(n.completed_at, n.created_at) AS context
FROM node_executions AS n
WHERE n.outcome IS NOT NULL {counted}
UNION ALL
SELECT
    n.id,
    strftime('%Y-%m-%d %H:%M:%S', coalesce(n.completed_at, n.created_at)),
    'auto_failure_capture',
    'capture',
    1.0,
    NULL,
    'Auto-captured: ' || substr(coalesce(n.node_name, n.agent_type, 'task'), 1, 50)
FROM node_executions AS n
WHERE n.outcome = 'failure' {counted};
"""


@migration
def m012_elf_metrics(conn: sqlite3.Connection) -> None:
    """ELF's task-outcome metrics as a view over the nodes (ELF's own metrics table stays)."""
    run_script(conn, ELF_METRICS_VIEW.format(counted=""))


@migration
def m013_scale_indexes(conn: sqlite3.Connection) -> None:
    """Two indexes that keep a million-node table's pages under a second.

    idx_node_exec_started_totals: keyed by started_at like idx_node_exec_started, it
    also holds every column the dashboard and the time-window queries filter, group or
    sum on, so a month is read from the index alone instead of from rows that carry
    kilobytes of prompt and result.
    idx_node_exec_agent_type_status: the node table filtered by agent type and status
    (the dashboard's failure links), newest first, with its count and facets.
    """
    run_script(
        conn,
        """
        CREATE INDEX IF NOT EXISTS idx_node_exec_started_totals ON node_executions(
            started_at, status, outcome, agent_type, project, duration_ms, token_count,
            tool_use_count, run_id, session_id, prompt_hash);
        CREATE INDEX IF NOT EXISTS idx_node_exec_agent_type_status
            ON node_executions(agent_type, status, started_at);
        """,
    )


@migration
def m014_lifecycle_columns(conn: sqlite3.Connection) -> None:
    """The columns of a subagent's true lifecycle and spend (DESIGN.md's node contract).

    parent_agent_id and is_background exist since m004 (add_columns skips them);
    lines_added / lines_removed / tool_stats_json keep the Agent tool's ``toolStats``.
    """
    add_columns(
        conn,
        "node_executions",
        {
            "api_calls": "INTEGER",
            "cost_usd": "REAL",
            "context_tokens": "INTEGER",
            "usage_source": "TEXT",
            "parent_agent_id": "TEXT",
            "is_background": "INTEGER NOT NULL DEFAULT 0",
            "failure_kind": "TEXT",
            "lines_added": "INTEGER",
            "lines_removed": "INTEGER",
            "tool_stats_json": "TEXT",
        },
    )


@migration
def m015_kept_events(conn: sqlite3.Connection) -> None:
    """Kept events (the truth) and what derivation needs to re-derive the tables from them.

    kept_events: every accepted event, appended once and never changed (prune deletes):
    ``received_at`` (UTC ISO), ``source`` (hook, backfill, replay, conductor, demo,
    transcript), ``event`` (the redacted, stamped payload as zlib-compressed UTF-8 JSON),
    and ``session_id`` / ``subject`` (its tool_use_id, else agent_id) so prune finds the
    events of what it deletes. AUTOINCREMENT: an id is never reused, so the high-water
    mark never skips an event appended after a prune.
    derivation_state: the high-water mark (last kept event applied) and a rebuild request.
    derived_rows: each row derivation inserted (table, natural key, id): rebuild deletes
    exactly these (rows no kept event explains stay) and gives them back the same ids.
    A later migration that fixes derivation calls ``derive.request_rebuild(conn)``: the
    next sync (with a progress bar in the CLI) re-derives every table.
    """
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS kept_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            received_at TEXT NOT NULL,
            source TEXT NOT NULL,
            session_id TEXT,
            subject TEXT,
            event BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_kept_events_session ON kept_events(session_id);
        CREATE INDEX IF NOT EXISTS idx_kept_events_subject ON kept_events(subject);
        CREATE TABLE IF NOT EXISTS derivation_state (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO derivation_state(name, value) VALUES ('applied', 0);
        INSERT OR IGNORE INTO derivation_state(name, value) VALUES ('rebuild_requested', 0);
        CREATE TABLE IF NOT EXISTS derived_rows (
            tbl TEXT NOT NULL,
            key TEXT NOT NULL,
            id INTEGER,
            PRIMARY KEY (tbl, key)
        ) WITHOUT ROWID;
        """,
    )


@migration
def m016_usage_and_cost(conn: sqlite3.Connection) -> None:
    """What each subagent really spent (from its transcript), its cost, and its own tool calls.

    node_tools: one row per node and tool name the subagent called, with how many
    calls and how many of them returned an error.
    (The cost queries' covering index is m021's: it needs m019's duplicate_of.)
    """
    add_columns(
        conn,
        "node_executions",
        {
            "api_calls": "INTEGER",
            "cost_usd": "REAL",
            "cost_note": "TEXT",
            "context_tokens": "INTEGER",
            "usage_source": "TEXT",
            "usage_complete": "INTEGER",
        },
    )
    add_columns(
        conn,
        "workflow_runs",
        {"cost_usd": "REAL", "unpriced_nodes": "INTEGER"},
    )
    add_columns(
        conn,
        "sessions",
        {
            "cost_usd": "REAL",
            "subagent_cost_usd": "REAL",
            "main_cost_usd": "REAL",
            "main_tokens": "INTEGER",
            "main_api_calls": "INTEGER",
            "main_model": "TEXT",
            "cost_note": "TEXT",
        },
    )
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS node_tools (
            node_id INTEGER NOT NULL REFERENCES node_executions(id),
            tool_name TEXT NOT NULL,
            calls INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            PRIMARY KEY (node_id, tool_name)
        );
        CREATE INDEX IF NOT EXISTS idx_node_tools_tool ON node_tools(tool_name);
        CREATE INDEX IF NOT EXISTS idx_nodes_usage_pending
            ON node_executions(session_id) WHERE usage_complete = 0;
        """,
    )


def elf_duplicate_match(elf: str, ours: str) -> str:
    """SQL: ``elf`` is the node ELF's conductor integration wrote for the Agent call ``ours``.

    ELF's post-tool hook writes its node at PostToolUse time, under a run named
    ``task-<timestamp>``, with the description (cut to 100 characters) as its name and
    ELF's prompt hash, which is ours too.
    """
    elf_started = f"julianday({iso_utc(f'{elf}.started_at')})"
    return f"""
        {elf}.tool_use_id IS NULL AND {ours}.tool_use_id IS NOT NULL
        AND {elf}.prompt_hash = {ours}.prompt_hash
        AND {elf}.node_name = substr({ours}.node_name, 1, 100)
        AND {elf_started} BETWEEN julianday({ours}.started_at) - 10 / 86400.0
            AND julianday(coalesce({ours}.completed_at, {ours}.started_at)) + 300 / 86400.0
        AND EXISTS (SELECT 1 FROM workflow_runs AS elf_run WHERE elf_run.id = {elf}.run_id
                    AND elf_run.workflow_name GLOB 'task-[0-9]*')"""


ELF_RUN_DUPLICATE = """
    UPDATE workflow_runs SET duplicate_of = (
        SELECT o.run_id FROM node_executions AS o
        WHERE o.id = (SELECT max(e.duplicate_of) FROM node_executions AS e
                      WHERE e.run_id = workflow_runs.id))
    WHERE id = {run} AND duplicate_of IS NULL
      AND EXISTS (SELECT 1 FROM node_executions AS e WHERE e.run_id = workflow_runs.id)
      AND NOT EXISTS (SELECT 1 FROM node_executions AS e
                      WHERE e.run_id = workflow_runs.id AND e.duplicate_of IS NULL)"""

ELF_RUN_COUNTERS = """
    UPDATE workflow_runs SET
        total_nodes = agg.total, completed_nodes = agg.completed, failed_nodes = agg.failed,
        cancelled_nodes = agg.cancelled, running_nodes = agg.running, total_tokens = agg.tokens
    FROM (SELECT count(*) AS total,
                 coalesce(sum(status = 'completed'), 0) AS completed,
                 coalesce(sum(status = 'failed'), 0) AS failed,
                 coalesce(sum(status IN ('cancelled', 'abandoned')), 0) AS cancelled,
                 coalesce(sum(status IN ('running', 'pending')), 0) AS running,
                 sum(token_count) AS tokens
          FROM node_executions WHERE run_id = {run}) AS agg
    WHERE workflow_runs.id = {run} AND workflow_runs.grouping = 'elf'"""

ELF_OUTCOME = """
    UPDATE node_executions SET
        outcome = CASE
            WHEN json_valid(result_json)
                 AND json_extract(result_json, '$.outcome') IN ('success', 'failure', 'unknown')
            THEN json_extract(result_json, '$.outcome')
            WHEN status = 'failed' THEN 'failure'
            ELSE 'unknown' END,
        outcome_reason = coalesce(
            CASE WHEN json_valid(result_json) THEN json_extract(result_json, '$.reason') END,
            error_message,
            'recorded by ELF')
    WHERE {where} AND outcome IS NULL AND tool_use_id IS NULL
      AND status IN ('completed', 'failed')"""


@migration
def m017_outcome_classifier(conn: sqlite3.Connection) -> None:
    """failure_kind (what kind of failure, see outcome.py) and outcome_classifier (which
    classifier version judged the node), with an index for grouping failures by kind."""
    add_columns(conn, "node_executions", {"failure_kind": "TEXT", "outcome_classifier": "TEXT"})
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_node_exec_failure_kind"
        " ON node_executions(outcome, failure_kind, started_at)"
    )


@migration
def m019_elf_side_by_side(conn: sqlite3.Connection) -> None:
    """ELF keeps writing beside agent-runs, and no number goes wrong on either side.

    - ELF's own ``created_at`` columns keep ELF's format (SQLite's CURRENT_TIMESTAMP, UTC),
      so ELF's dashboard, comparing them with ``datetime('now', ...)`` as text, counts right;
      every other time stays ISO 8601 with a Z.
    - Rows ELF writes get an outcome, their run the grouping ``elf``, and ELF's run counters
      follow its nodes, whenever they are written (triggers), not only at upgrade.
    - The node ELF's conductor integration writes for an Agent call agent-runs recorded
      gets ``duplicate_of`` = our node (its run: our run), and stays out of every count.
    """
    add_columns(conn, "node_executions", {"duplicate_of": "INTEGER"})
    add_columns(conn, "workflow_runs", {"duplicate_of": "INTEGER"})
    elf_format_utc_triggers(conn)
    conn.execute(
        "UPDATE node_executions SET duplicate_of = (SELECT o.id FROM node_executions AS o "
        f"WHERE {elf_duplicate_match('node_executions', 'o')} ORDER BY o.id LIMIT 1) "
        "WHERE tool_use_id IS NULL AND duplicate_of IS NULL"
    )
    conn.execute(ELF_RUN_DUPLICATE.format(run="workflow_runs.id"))
    elf_runs = conn.execute("SELECT id FROM workflow_runs WHERE grouping = 'elf'").fetchall()
    for (run_id,) in elf_runs:
        conn.execute(ELF_RUN_COUNTERS.format(run=":run"), {"run": run_id})
    metrics_view = ELF_METRICS_VIEW.format(counted="AND n.duplicate_of IS NULL")
    outcome = ELF_OUTCOME.format(where="id = new.id")
    run_of_new = ELF_RUN_DUPLICATE.format(run="new.run_id")
    run_of_duplicate = ELF_RUN_DUPLICATE.format(
        run="(SELECT e.run_id FROM node_executions AS e WHERE e.duplicate_of = new.id)"
    )
    counters_of_node = ELF_RUN_COUNTERS.format(run="new.run_id")
    counters_of_run = ELF_RUN_COUNTERS.format(run="new.id")
    new_is_elf = elf_duplicate_match("new", "o")
    new_is_ours = elf_duplicate_match("node_executions", "new")
    run_script(
        conn,
        f"""
        CREATE INDEX IF NOT EXISTS idx_node_exec_duplicate ON node_executions(duplicate_of)
            WHERE duplicate_of IS NOT NULL;
        DROP INDEX IF EXISTS idx_node_exec_started_totals;
        CREATE INDEX idx_node_exec_started_totals ON node_executions(
            started_at, status, outcome, agent_type, project, duration_ms, token_count,
            tool_use_count, run_id, session_id, prompt_hash, duplicate_of);
        DROP VIEW IF EXISTS elf_metrics;
        {metrics_view}
        CREATE TRIGGER IF NOT EXISTS elf_run_grouping AFTER INSERT ON workflow_runs
        WHEN new.grouping IS NULL AND new.run_key IS NULL
        BEGIN
            UPDATE workflow_runs SET grouping = 'elf' WHERE id = new.id;
        END;
        CREATE TRIGGER IF NOT EXISTS elf_node_outcome_insert AFTER INSERT ON node_executions
        WHEN new.tool_use_id IS NULL AND new.outcome IS NULL
        BEGIN
            {outcome};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_node_outcome_update
        AFTER UPDATE OF status ON node_executions
        WHEN new.tool_use_id IS NULL AND new.outcome IS NULL
        BEGIN
            {outcome};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_node_duplicate AFTER INSERT ON node_executions
        WHEN new.tool_use_id IS NULL
        BEGIN
            UPDATE node_executions SET duplicate_of = (
                SELECT o.id FROM node_executions AS o
                WHERE {new_is_elf} ORDER BY o.id LIMIT 1)
            WHERE id = new.id;
            {run_of_new};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_duplicate_of_our_node AFTER INSERT ON node_executions
        WHEN new.tool_use_id IS NOT NULL
        BEGIN
            UPDATE node_executions SET duplicate_of = new.id
            WHERE tool_use_id IS NULL AND duplicate_of IS NULL
              AND {new_is_ours};
            {run_of_duplicate};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_duplicate_of_our_finished_node
        AFTER UPDATE OF completed_at ON node_executions
        WHEN new.tool_use_id IS NOT NULL
        BEGIN
            UPDATE node_executions SET duplicate_of = new.id
            WHERE tool_use_id IS NULL AND duplicate_of IS NULL
              AND {new_is_ours};
            {run_of_duplicate};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_run_counters_node_insert AFTER INSERT ON node_executions
        WHEN new.tool_use_id IS NULL
        BEGIN
            {counters_of_node};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_run_counters_node_update
        AFTER UPDATE OF status, token_count ON node_executions
        WHEN new.tool_use_id IS NULL
        BEGIN
            {counters_of_node};
        END;
        CREATE TRIGGER IF NOT EXISTS elf_run_counters_run_update
        AFTER UPDATE OF total_nodes, completed_nodes, failed_nodes ON workflow_runs
        WHEN new.grouping = 'elf'
        BEGIN
            {counters_of_run};
        END;
        """,
    )


@migration
def m020_tasks_view(conn: sqlite3.Connection) -> None:
    """The ``tasks`` view: the node columns a person reads first, in reading order.

    Keeps the node's own column names (so the pages render statuses, durations and
    links as on node_executions) except ``node_name``, shown as ``description``.
    ``cost_usd`` is added here when the usage work has not added it yet.
    idx_node_exec_started_tokens: the dashboard's tokens-by-kind chart read from the index
    alone (the kinds are not in idx_node_exec_started_totals).
    """
    add_columns(conn, "node_executions", {"cost_usd": "REAL"})
    run_script(
        conn,
        """
        CREATE VIEW IF NOT EXISTS tasks AS
        SELECT
            n.id,
            n.started_at,
            n.node_name AS description,
            n.agent_type,
            n.status,
            n.outcome,
            n.outcome_reason,
            n.duration_ms,
            n.token_count,
            n.cost_usd,
            n.model,
            n.project,
            n.run_id,
            n.session_id
        FROM node_executions AS n
        WHERE n.duplicate_of IS NULL;
        CREATE INDEX IF NOT EXISTS idx_node_exec_started_tokens ON node_executions(
            started_at, project, agent_type, token_count, input_tokens, output_tokens,
            cache_read_tokens, cache_creation_tokens, duplicate_of);
        """,
    )


@migration
def m021_rollups(conn: sqlite3.Connection) -> None:
    """Per-day rollups and duration histograms of the nodes, kept exact by triggers.

    See recorder.schema.rollups; cost_usd is added when an earlier migration has not, and
    the rollups are filled from the rows already there. idx_node_exec_started_totals_cost:
    idx_node_exec_started_totals plus the cost, model, token-kind and call columns, so the
    cost queries' time windows (cost by day, model and agent type, token-hogs, expensive
    failures) read from this index alone.
    """
    # the rollups of today's code also read agent_definition_hash (m022 documents it)
    add_columns(conn, "node_executions", {"cost_usd": "REAL", "agent_definition_hash": "TEXT"})
    rollups.create(conn)
    rollups.recompute(conn)
    run_script(
        conn,
        """
        CREATE INDEX IF NOT EXISTS idx_node_exec_started_totals_cost ON node_executions(
            started_at, status, outcome, agent_type, project, duration_ms, token_count,
            tool_use_count, run_id, session_id, prompt_hash, cost_usd, model, input_tokens,
            output_tokens, cache_read_tokens, cache_creation_tokens, api_calls, duplicate_of);
        """,
    )


@migration
def m022_beyond_peers(conn: sqlite3.Connection) -> None:
    """Agent definition versions, parallelism per run, rework links and capture coverage.

    node_executions: the agent definition file a node ran with (``agent_definition_hash``,
    ``agent_definition_description``, ``agent_definition_source``, ``agent_definition_path``),
    the failed attempt it retried (``retry_of``, ``attempt``, ``first_attempt_id``) and which
    path first recorded it (``recorded_by``: hook or backfill). workflow_runs: the
    parallelism columns (see recorder/derive/parallelism.py). sessions: ``hook_seen_at``, the first
    event the hook itself recorded in the session. ``capture_gaps``: what
    ``doctor --coverage`` learned about executions the hook never saw.
    """
    add_columns(
        conn,
        "node_executions",
        {
            "cost_usd": "REAL",
            "agent_definition_hash": "TEXT",
            "agent_definition_description": "TEXT",
            "agent_definition_source": "TEXT",
            "agent_definition_path": "TEXT",
            "retry_of": "INTEGER",
            "attempt": "INTEGER",
            "first_attempt_id": "INTEGER",
            "recorded_by": "TEXT",
        },
    )
    add_columns(
        conn,
        "workflow_runs",
        {
            "subagent_wall_ms": "INTEGER",
            "subagent_ms": "INTEGER",
            "max_parallel": "INTEGER",
            "critical_path": "TEXT",
            "critical_path_ms": "INTEGER",
        },
    )
    add_columns(conn, "sessions", {"hook_seen_at": "TEXT"})
    run_script(
        conn,
        """
        CREATE INDEX IF NOT EXISTS idx_node_exec_agent_definition ON node_executions(
            agent_type, agent_definition_hash, started_at)
            WHERE agent_definition_hash IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_node_exec_retry_of ON node_executions(retry_of)
            WHERE retry_of IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_node_exec_retries ON node_executions(started_at)
            WHERE retry_of IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_node_exec_failed_in_session
            ON node_executions(session_id, completed_at)
            WHERE status = 'failed' OR outcome = 'failure';
        CREATE INDEX IF NOT EXISTS idx_node_exec_not_by_hook
            ON node_executions(started_at) WHERE recorded_by <> 'hook';
        CREATE TABLE IF NOT EXISTS capture_gaps (
            tool_use_id TEXT PRIMARY KEY,
            session_id TEXT,
            started_at TEXT,
            description TEXT,
            agent_type TEXT,
            reason TEXT NOT NULL,
            transcript_path TEXT,
            checked_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_capture_gaps_started ON capture_gaps(started_at);
        """,
    )


@migration
def m023_kept_blocks(conn: sqlite3.Connection) -> None:
    """Kept events of a quiet session compressed together (``recorder.derive.compaction``).

    One event compressed alone repeats what its neighbours hold (the prompt in PreToolUse,
    SubagentStart and PostToolUse; the report in SubagentStop and PostToolUse; the session's
    ids and paths in every event); compressed together, each is stored about once.
    kept_blocks: ``events`` (how many kept events it holds) and ``data`` (zlib of one line
    per event: its id, a tab, its JSON). A compacted kept event keeps its row (id, times,
    source, session, subject) with ``block_id`` set and an empty ``event``; its content
    is unchanged. AUTOINCREMENT: a block id is never reused.
    """
    add_columns(conn, "kept_events", {"block_id": "INTEGER"})
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS kept_blocks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            events INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_kept_events_loose
            ON kept_events(session_id, received_at) WHERE block_id IS NULL;
        """,
    )


@migration
def m024_rollups_all_projects(conn: sqlite3.Connection) -> None:
    """Rollups for every project together (rollup_tasks_daily_all, rollup_durations_daily_all),
    the token count beyond the four kinds (other_tokens) and an index by project and day.

    A view of all projects reads a few hundred rollup rows a day instead of one per
    project and agent type; the triggers are made again to keep the new tables, and every
    rollup is recomputed from the rows.
    """
    for name in rollups.TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    rollups.create(conn)
    rollups.recompute(conn)


@migration
def m025_hotspot_indexes(conn: sqlite3.Connection) -> None:
    """Hotspots read file touches from indexes alone: idx_file_touches_touched covers the
    columns the top files are counted by, idx_file_touches_file those of a file's touches."""
    run_script(
        conn,
        """
        DROP INDEX IF EXISTS idx_file_touches_touched;
        CREATE INDEX idx_file_touches_touched ON file_touches(
            touched_at, file_path, access, project, agent_type, node_id);
        CREATE INDEX IF NOT EXISTS idx_file_touches_file ON file_touches(
            file_path, touched_at, project, agent_type, node_id, agent_id);
        """,
    )


@migration
def m026_one_time_window_index(conn: sqlite3.Connection) -> None:
    """idx_node_exec_started_totals goes: idx_node_exec_started_totals_cost (m021) starts
    with the same columns and holds every other it held, so each query it served reads
    that one instead (the planner already preferred it for all but retried-prompts)."""
    run_script(conn, "DROP INDEX IF EXISTS idx_node_exec_started_totals;")


@migration
def m027_file_touch_rollups(conn: sqlite3.Connection) -> None:
    """Rollups of the file touches (rollup_file_touches_daily and its all-projects twin),
    kept by triggers on file_touches, and idx_file_touches_untyped.

    The hotspots rank files from a few thousand rollup rows a day instead of every touch
    of the range; the touches that named no agent type are found through the partial
    index when an agent type is chosen. Filled from the rows already there.
    """
    rollups.create(conn)
    rollups.recompute(conn, tables=[table for _, table, _ in rollups.TOUCH_ROLLUPS])


@migration
def m028_cost_rollup_columns(conn: sqlite3.Connection) -> None:
    """The tasks rollups count what the cost queries add up: how many tasks had each token
    kind (input_tokened, output_tokened, cache_read_tokened, cache_creation_tokened) and
    API calls (api_called, api_calls), so project-summary, cost-by-agent-type and
    cost-per-day read whole days from them; rollup_project_runs keeps when each project's
    session and run last started a task, so project-summary counts the sessions and runs of
    a range without reading its tasks (its own triggers on node_executions). The node
    triggers are made again (a change of api_calls now moves a row) and the node rollups
    recomputed.
    """
    for source in rollups.SOURCES:
        if source.table == "node_executions":
            for name in source.triggers:
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    rollups.create(conn)
    rollups.recompute(conn, tables=[t for _, t, _ in rollups.NODE_ROLLUPS + rollups.RUN_ROLLUPS])


@migration
def m029_rollups_fold_once(conn: sqlite3.Connection) -> None:
    """The rollup triggers send signed rows to a changes view per source, whose one
    INSTEAD OF trigger folds them into the rollups (rollups_changes, rollups_runs_changes,
    rollups_touches_changes): the same rollups from a schema a third smaller, which every
    new connection, the hook's included, parses before its first statement."""
    for name in rollups.TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    rollups.create(conn)


@migration
def m030_deferred_triggers(conn: sqlite3.Connection) -> None:
    """deferred_triggers: the SQL of the index and rollup triggers a large load dropped
    until its end (recorder.derive.deferral), so they are restored even if it dies."""
    run_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS deferred_triggers (
            name TEXT PRIMARY KEY,
            sql TEXT NOT NULL
        );
        """,
    )


@migration
def m031_failure_kind_rollups(conn: sqlite3.Connection) -> None:
    """The tasks rollups count by failure kind too (a key of rollup_tasks_daily and its
    all-projects twin, and of their key indexes), so the dashboard's failure kinds read
    whole days from them; the node triggers and changes view are made again with it, and
    the tasks rollups recomputed."""
    drop_rollup_triggers(conn)
    run_script(
        conn,
        """
        DROP INDEX IF EXISTS idx_rollup_tasks_daily_key;
        DROP INDEX IF EXISTS idx_rollup_tasks_daily_all_key;
        """,
    )
    rollups.create(conn)
    rollups.recompute(conn, tables=["rollup_tasks_daily", "rollup_tasks_daily_all"])


@migration
def m032_repeated_prompts(conn: sqlite3.Connection) -> None:
    """node_executions.prompt_repeated: 1 while another node has the same prompt_hash, kept
    exact by triggers (so a rebuild gives it again), and a partial index of those nodes by
    start, from which retried-prompts finds the prompts run more than once in a window
    without grouping every task of it."""
    add_columns(conn, "node_executions", {"prompt_repeated": "INTEGER"})
    run_script(conn, sql("prompt_repeated_schema"))
    conn.execute(sql("prompt_repeated_fill"))


@migration
def m033_failed_nodes_by_id(conn: sqlite3.Connection) -> None:
    """idx_node_exec_failed: the failing nodes' ids (status failed, or outcome failure), so
    the hotspots tell whether a touch's task failed by one search of a small index, neither
    reading the node's row nor listing every failing node of the file's history."""
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_node_exec_failed ON node_executions(id, status, outcome) "
        "WHERE status = 'failed' OR outcome = 'failure'"
    )


@migration
def m034_weekly_node_rollups(conn: sqlite3.Connection) -> None:
    """rollup_tasks_weekly_all and rollup_durations_weekly_all: the all-projects task totals
    and duration histograms per week, so the dashboard's long ranges read whole weeks; the
    node triggers and changes view are made again with them, and the two filled."""
    drop_rollup_triggers(conn)
    rollups.create(conn)
    rollups.recompute(conn, tables=["rollup_tasks_weekly_all", "rollup_durations_weekly_all"])


@migration
def m035_running_nodes(conn: sqlite3.Connection) -> None:
    """idx_node_exec_running: the running nodes alone, with what the dashboard's running
    count reads of them (a count of the status index would read every one's row)."""
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_node_exec_running "
        "ON node_executions(status, started_at, duplicate_of) WHERE status = 'running'"
    )


@migration
def m036_utc_conversion_once(conn: sqlite3.Connection) -> None:
    """The UTC triggers of each table send the rows they convert to one conversion
    (``<table>_utc_changes``'s trigger) instead of each spelling it out: a smaller schema."""
    elf_format_utc_triggers(conn)


@migration
def m037_node_rollup_parts(conn: sqlite3.Connection) -> None:
    """The node rollups' fold works out a row's parts of every rollup once and sends them
    to rollups_parts, whose trigger adds them to each rollup (rather than each rollup
    working them out again): a smaller schema to parse. The rollups are unchanged."""
    drop_rollup_triggers(conn)
    rollups.create(conn)


@migration
def m038_session_cost_index(conn: sqlite3.Connection) -> None:
    """idx_node_exec_session holds each node's cost beside its session: a session's spend,
    summed again whenever one of its nodes is saved, reads the index alone rather than
    every node's row (whose cost sits behind its report, on overflow pages)."""
    conn.execute("DROP INDEX IF EXISTS idx_node_exec_session")
    conn.execute("CREATE INDEX idx_node_exec_session ON node_executions(session_id, cost_usd)")


@migration
def m039_nothing_spent(conn: sqlite3.Connection) -> None:
    """A call denied or cancelled before it started a subagent spent nothing: derivation
    now gives it cost 0 rather than unknown, so it is not counted as unpriced; any other
    finished call with no usage of a subagent found says its cost is unknown. The nodes
    derived before are mended in place (their runs' and sessions' sums follow; the
    rollups' triggers fold the change), rather than by a rebuild, during which the
    dashboard of a large database would show it half derived for hours."""
    nodes = conn.execute(sql("nothing_spent_nodes")).fetchall()
    for node_id, _, _, error_type in nodes:
        conn.execute(
            sql("nothing_spent_mend"),
            {
                "id": node_id,
                "never_ran": error_type in ("permission_denied", "not_started"),
                "nothing_spent": "no subagent ran: nothing spent",
                "none_found": "no usage of a subagent found for this call: cost unknown",
            },
        )
    for run_id in {run_id for _, run_id, _, _ in nodes if run_id is not None}:
        (at,) = conn.execute(sql("run_updated_at"), {"run_id": run_id}).fetchone()
        conn.execute(sql("refresh_run"), {"run_id": run_id, "received_at": at})
    for session_id in {session_id for _, _, session_id, _ in nodes if session_id}:
        conn.execute(sql("refresh_session_cost"), {"session_id": session_id})


@migration
def m040_session_unpriced_nodes(conn: sqlite3.Connection) -> None:
    """sessions.unpriced_nodes: the session's finished nodes whose cost is unknown, as runs
    have it, so a session total that leaves some out says so."""
    add_columns(conn, "sessions", {"unpriced_nodes": "INTEGER"})
    sessions = conn.execute("SELECT DISTINCT session_id FROM node_executions").fetchall()
    for (session_id,) in sessions:
        if session_id:
            conn.execute(sql("refresh_session_cost"), {"session_id": session_id})


def drop_rollup_triggers(conn: sqlite3.Connection) -> None:
    """Drop the rollups' triggers and views (for ``rollups.create`` to make them again)."""
    for name in rollups.TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for view in rollups.VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS {view}")


LATEST = len(MIGRATIONS)  # recorder.schema.version.LATEST says the same to the hook
# Empty views that exist only for their triggers (never shown by Datasette).
PLUMBING_VIEWS = rollups.VIEWS + tuple(f"{table}_utc_changes" for table in UTC_TABLES)


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to this database (0 for a new or ELF file)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every pending migration; return how many ran.

    Takes the write lock first so concurrent processes migrate once.
    """
    if schema_version(conn) >= LATEST:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            f"""CREATE TABLE IF NOT EXISTS _agent_runs_migrations (
                name TEXT PRIMARY KEY, applied_at TEXT DEFAULT {ISO_NOW})"""
        )
        done = {row[0] for row in conn.execute("SELECT name FROM _agent_runs_migrations")}
        ran = 0
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            conn.execute("SAVEPOINT migration")
            fn(conn)
            conn.execute("INSERT INTO _agent_runs_migrations(name) VALUES (?)", (fn.__name__,))
            conn.execute("RELEASE migration")
            ran += 1
        conn.execute(f"PRAGMA user_version = {LATEST}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ran
