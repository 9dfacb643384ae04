-- When the earliest matching task started (for the "all time" range).
SELECT min(n.started_at) AS first_start
FROM node_executions AS n
WHERE (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
