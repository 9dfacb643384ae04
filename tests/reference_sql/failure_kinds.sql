-- Reference (from the rows) for the panel's SQL: failed tasks in the selected range grouped by failure_kind (set by the outcome
-- classifier; 'unclassified' for failures judged before it, or by a plugin without one).
SELECT
    coalesce(n.failure_kind, 'unclassified') AS failure_kind,
    count(*) AS tasks
FROM node_executions AS n
WHERE n.status = 'failed' AND n.duplicate_of IS NULL
  AND n.started_at >= :since
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
GROUP BY coalesce(n.failure_kind, 'unclassified')
ORDER BY tasks DESC, failure_kind
