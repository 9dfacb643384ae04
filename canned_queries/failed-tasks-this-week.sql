-- Subagent tasks that failed (status 'failed', or an outcome classified as 'failure')
-- and started within the last :days days (default 7), rolling from now, UTC; newest first.
-- Empty :project / :agent_type mean all. Uses idx_node_exec_started (range on started_at).
SELECT
    n.id AS node_execution_id,
    n.started_at,
    n.node_name,
    n.agent_type,
    n.status,
    n.outcome,
    n.error_type,
    n.outcome_reason,
    n.error_message,
    n.duration_ms,
    n.token_count,
    n.run_id,
    n.session_id,
    n.project
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 7) || ' days')
  AND (n.status = 'failed' OR n.outcome = 'failure')
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
  AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
ORDER BY n.started_at DESC, n.id DESC
LIMIT 500
