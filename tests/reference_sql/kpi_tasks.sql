-- Subagent executions started in the last 7 days and the last 24 hours.
-- :week_ago and :day_ago are ISO UTC timestamps; :project / :agent_type NULL means any.
SELECT
    count(*) AS tasks_7d,
    coalesce(sum(n.started_at >= :day_ago), 0) AS tasks_24h
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= :week_ago
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
