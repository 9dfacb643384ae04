-- The longest subagent tasks that ran to an end (completed or failed) and started within
-- the last :days days (default 7, rolling, UTC), longest first. Cancelled and abandoned
-- tasks are left out: their duration is when they were stopped, not how long they took.
-- Empty :project / :agent_type mean all.
-- The 100 are picked from idx_node_exec_started_totals_cost alone (range on started_at;
-- status, duration, project and agent type are in the index); only they are read from the
-- table.
WITH top AS (
    SELECT n.id, n.duration_ms
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 7) || ' days')
      AND n.duration_ms IS NOT NULL
      AND +n.status IN ('completed', 'failed')  -- "+": range on started_at, not on status
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
    ORDER BY n.duration_ms DESC, n.id DESC
    LIMIT 100
)
SELECT
    n.id AS node_execution_id,
    n.duration_ms,
    n.node_name,
    n.agent_type,
    n.model,
    n.status,
    n.outcome,
    n.token_count,
    n.tool_use_count,
    n.started_at,
    n.completed_at,
    n.run_id,
    n.session_id,
    n.project
FROM top
JOIN node_executions AS n ON n.id = top.id
ORDER BY n.duration_ms DESC, n.id DESC
LIMIT 100
