-- Subagent tasks still 'running' that started more than :minutes minutes ago (default 60),
-- oldest first: subagents that may hang, or whose finishing event never arrived.
-- session_last_event_at tells whether their session is still alive.
-- Empty :project / :agent_type mean all. Uses idx_node_exec_status_started.
SELECT
    n.id AS node_execution_id,
    n.started_at,
    CAST((julianday('now') - julianday(n.started_at)) * 1440 AS INTEGER) AS running_minutes,
    n.node_name,
    n.agent_type,
    n.is_background,
    n.agent_id,
    n.run_id,
    n.session_id,
    n.project,
    s.last_event_at AS session_last_event_at,
    s.ended_at AS session_ended_at
FROM node_executions AS n
LEFT JOIN sessions AS s ON s.id = n.session_id
WHERE n.duplicate_of IS NULL AND n.status = 'running'
  AND n.started_at < strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:minutes), ''), 60) || ' minutes')
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
  AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
ORDER BY n.started_at, n.id
LIMIT 500
