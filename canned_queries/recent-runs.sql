-- The latest runs (the subagent work for one user prompt), newest first, with their
-- task counters, tokens and duration. Empty :project / :status mean all.
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
    r.completed_at,
    r.error_message,
    r.session_id,
    r.project
FROM workflow_runs AS r
WHERE r.duplicate_of IS NULL AND (ifnull(:project, '') = '' OR instr(r.project, :project) > 0)
  AND (ifnull(:status, '') = '' OR r.status = :status)
ORDER BY r.started_at DESC, r.id DESC
LIMIT 200
