-- The latest failed tasks in the selected range, with the reason they failed.
SELECT
    n.id, n.run_id, n.node_name, n.agent_type, n.project, n.started_at, n.duration_ms,
    n.error_type, n.failure_kind,
    coalesce(nullif(n.outcome_reason, ''), n.error_message) AS reason
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.status = 'failed'
  AND n.started_at >= :since
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
ORDER BY n.started_at DESC
LIMIT :limit
