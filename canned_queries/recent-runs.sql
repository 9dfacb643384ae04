-- The latest runs (the subagent work for one user prompt), newest first, with their
-- task counters, tokens and duration, and how well its subagents ran in parallel:
-- subagent_wall_ms (first subagent start to last end), subagent_ms (their durations added
-- up), parallelism (subagent_ms / subagent_wall_ms: 1.0 = one at a time), max_parallel
-- (most running at once), critical_path_ms and critical_path (node ids of the chain of
-- subagents that decided the run's length; see README). Empty :project / :status mean all.
-- Uses idx_runs_started (read backwards, stops at the LIMIT).
SELECT
    r.id AS run_id,
    r.started_at,
    r.workflow_name,
    r.status,
    r.grouping,
    r.total_nodes AS tasks,
    r.completed_nodes AS completed,
    r.failed_nodes AS failed,
    r.cancelled_nodes AS cancelled,
    r.running_nodes AS running,
    r.total_tokens AS tokens,
    CAST(round((julianday(r.completed_at) - julianday(r.started_at)) * 86400000) AS INTEGER)
        AS duration_ms,
    r.subagent_wall_ms,
    r.subagent_ms,
    round(CAST(r.subagent_ms AS REAL) / nullif(r.subagent_wall_ms, 0), 2) AS parallelism,
    r.max_parallel,
    r.critical_path_ms,
    r.critical_path,
    r.completed_at,
    r.error_message,
    r.session_id,
    r.project
FROM workflow_runs AS r
WHERE r.duplicate_of IS NULL AND (ifnull(:project, '') = '' OR instr(r.project, :project) > 0)
  AND (ifnull(:status, '') = '' OR r.status = :status)
ORDER BY r.started_at DESC, r.id DESC
LIMIT 200
