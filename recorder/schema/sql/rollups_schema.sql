-- Rollups of node_executions, kept exact by the triggers recorder.schema.rollups makes.
-- rollup_tasks_daily: one row per UTC day of started_at, project, agent type, model,
-- status, outcome and failure kind (NULL keys kept as NULL): how many tasks, and the sums of what the
-- dashboard, the leaderboards and the cost queries add up (tokens by kind, cost, API
-- calls), each with how many rows had a value (so an average or a NULL sum reads exactly
-- as over the rows).
CREATE TABLE IF NOT EXISTS rollup_tasks_daily (
    day TEXT,
    project TEXT,
    agent_type TEXT,
    model TEXT,
    status TEXT,
    outcome TEXT,
    failure_kind TEXT,
    tasks INTEGER NOT NULL DEFAULT 0,
    timed INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    tokened INTEGER NOT NULL DEFAULT 0,
    token_count INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    other_tokens INTEGER NOT NULL DEFAULT 0,
    costed INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    tool_used INTEGER NOT NULL DEFAULT 0,
    tool_use_count INTEGER NOT NULL DEFAULT 0,
    input_tokened INTEGER NOT NULL DEFAULT 0,
    output_tokened INTEGER NOT NULL DEFAULT 0,
    cache_read_tokened INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokened INTEGER NOT NULL DEFAULT 0,
    api_called INTEGER NOT NULL DEFAULT 0,
    api_calls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_tasks_daily_kind_key
    ON rollup_tasks_daily(day, project, agent_type, model, status, outcome, failure_kind);
CREATE INDEX IF NOT EXISTS idx_rollup_tasks_daily_project
    ON rollup_tasks_daily(project, day);
-- rollup_tasks_daily_all: the same without the project (all projects together), so a view
-- of every project reads a few hundred rows a day, not one per project and agent type;
-- with the agent definition's version (agent_definition_hash) as a key, for agent-versions.
CREATE TABLE IF NOT EXISTS rollup_tasks_daily_all (
    day TEXT,
    agent_type TEXT,
    agent_definition_hash TEXT,
    model TEXT,
    status TEXT,
    outcome TEXT,
    failure_kind TEXT,
    tasks INTEGER NOT NULL DEFAULT 0,
    timed INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    tokened INTEGER NOT NULL DEFAULT 0,
    token_count INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    other_tokens INTEGER NOT NULL DEFAULT 0,
    costed INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    tool_used INTEGER NOT NULL DEFAULT 0,
    tool_use_count INTEGER NOT NULL DEFAULT 0,
    input_tokened INTEGER NOT NULL DEFAULT 0,
    output_tokened INTEGER NOT NULL DEFAULT 0,
    cache_read_tokened INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokened INTEGER NOT NULL DEFAULT 0,
    api_called INTEGER NOT NULL DEFAULT 0,
    api_calls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_tasks_daily_all_kind_key ON rollup_tasks_daily_all(
    day, agent_type, agent_definition_hash, model, status, outcome, failure_kind);
-- rollup_tasks_weekly_all: the same per week (week: its Monday, UTC), so a long range of
-- all projects reads its whole weeks from here and only the days before its first Monday
-- from the daily table.
CREATE TABLE IF NOT EXISTS rollup_tasks_weekly_all (
    week TEXT,
    agent_type TEXT,
    agent_definition_hash TEXT,
    model TEXT,
    status TEXT,
    outcome TEXT,
    failure_kind TEXT,
    tasks INTEGER NOT NULL DEFAULT 0,
    timed INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    tokened INTEGER NOT NULL DEFAULT 0,
    token_count INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    other_tokens INTEGER NOT NULL DEFAULT 0,
    costed INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    tool_used INTEGER NOT NULL DEFAULT 0,
    tool_use_count INTEGER NOT NULL DEFAULT 0,
    input_tokened INTEGER NOT NULL DEFAULT 0,
    output_tokened INTEGER NOT NULL DEFAULT 0,
    cache_read_tokened INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokened INTEGER NOT NULL DEFAULT 0,
    api_called INTEGER NOT NULL DEFAULT 0,
    api_calls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_tasks_weekly_all_key ON rollup_tasks_weekly_all(
    week, agent_type, agent_definition_hash, model, status, outcome, failure_kind);
-- rollup_durations_daily: finished tasks (completed or failed) with a duration, counted
-- per day, project, agent type and duration bucket: the histograms percentiles are read from.
CREATE TABLE IF NOT EXISTS rollup_durations_daily (
    day TEXT,
    project TEXT,
    agent_type TEXT,
    bucket INTEGER NOT NULL,
    tasks INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_durations_daily_key
    ON rollup_durations_daily(day, project, agent_type, bucket);
CREATE INDEX IF NOT EXISTS idx_rollup_durations_daily_project
    ON rollup_durations_daily(project, day);
-- rollup_durations_daily_all: the same histograms for all projects together, by version.
CREATE TABLE IF NOT EXISTS rollup_durations_daily_all (
    day TEXT,
    agent_type TEXT,
    agent_definition_hash TEXT,
    bucket INTEGER NOT NULL,
    tasks INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_durations_daily_all_key
    ON rollup_durations_daily_all(day, agent_type, agent_definition_hash, bucket);
-- rollup_durations_weekly_all: the same per week (its Monday, UTC), for long ranges.
CREATE TABLE IF NOT EXISTS rollup_durations_weekly_all (
    week TEXT,
    agent_type TEXT,
    agent_definition_hash TEXT,
    bucket INTEGER NOT NULL,
    tasks INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_durations_weekly_all_key
    ON rollup_durations_weekly_all(week, agent_type, agent_definition_hash, bucket);
-- The fixed duration buckets: [low_ms, high_ms), each at most 10% wider than its low
-- end; value_ms is the geometric middle, within 5% of every duration in the bucket.
CREATE TABLE IF NOT EXISTS rollup_duration_buckets (
    bucket INTEGER PRIMARY KEY,
    low_ms INTEGER NOT NULL UNIQUE,
    high_ms INTEGER,
    value_ms REAL NOT NULL
);
-- rollup_file_touches_daily: the file touches (file_touches rows with a file_path) counted
-- per UTC day of touched_at, file, project and agent type (the one the touch's event
-- named; NULL when it named none, the node's then being read from the rows): touches,
-- those with an access (accessed), writes and reads. The hotspots rank files from these.
CREATE TABLE IF NOT EXISTS rollup_file_touches_daily (
    day TEXT,
    file_path TEXT,
    project TEXT,
    agent_type TEXT,
    touches INTEGER NOT NULL DEFAULT 0,
    accessed INTEGER NOT NULL DEFAULT 0,
    writes INTEGER NOT NULL DEFAULT 0,
    reads INTEGER NOT NULL DEFAULT 0
);
-- Its key index leads with the project: one project's days are a range of it.
CREATE INDEX IF NOT EXISTS idx_rollup_file_touches_daily_key
    ON rollup_file_touches_daily(project, day, file_path, agent_type);
CREATE INDEX IF NOT EXISTS idx_rollup_file_touches_daily_agent_type
    ON rollup_file_touches_daily(agent_type, day);
-- rollup_file_touches_daily_all: the same per day and file for every project and agent
-- type together (about a third as many rows): the unfiltered hotspots.
CREATE TABLE IF NOT EXISTS rollup_file_touches_daily_all (
    day TEXT,
    file_path TEXT,
    touches INTEGER NOT NULL DEFAULT 0,
    accessed INTEGER NOT NULL DEFAULT 0,
    writes INTEGER NOT NULL DEFAULT 0,
    reads INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_file_touches_daily_all_key
    ON rollup_file_touches_daily_all(day, file_path);
-- rollup_file_touches_weekly_all: the same per week (week: its Monday, UTC) and file, so a
-- long range reads its whole weeks from here and only the days before its first Monday
-- from the daily table.
CREATE TABLE IF NOT EXISTS rollup_file_touches_weekly_all (
    week TEXT,
    file_path TEXT,
    touches INTEGER NOT NULL DEFAULT 0,
    accessed INTEGER NOT NULL DEFAULT 0,
    writes INTEGER NOT NULL DEFAULT 0,
    reads INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_rollup_file_touches_weekly_all_key
    ON rollup_file_touches_weekly_all(week, file_path);
-- The touches whose event named no agent type: an agent type filter reads their node's.
CREATE INDEX IF NOT EXISTS idx_file_touches_untyped
    ON file_touches(touched_at, file_path, access, project, node_id) WHERE agent_type IS NULL;
-- rollup_project_runs: each (project, session, run) that has a task, with when the latest
-- of its tasks started: a session or run has a task since some moment exactly when its
-- row's last_started_at is at or after it, so project-summary counts the distinct sessions
-- and runs of a range from the rows of the sessions and runs active in it.
CREATE TABLE IF NOT EXISTS rollup_project_runs (
    project TEXT,
    session_id TEXT,
    run_id INTEGER,
    last_started_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_rollup_project_runs_key
    ON rollup_project_runs(run_id, session_id, project);
CREATE INDEX IF NOT EXISTS idx_rollup_project_runs_latest
    ON rollup_project_runs(last_started_at, project, session_id, run_id);
