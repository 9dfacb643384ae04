-- Runs (one per user prompt that used subagents) started in the last 7 days and 24 hours.
-- With an agent type filter, only runs that used that agent type count.
SELECT
    count(*) AS runs_7d,
    coalesce(sum(r.started_at >= :day_ago), 0) AS runs_24h
FROM workflow_runs AS r
WHERE r.duplicate_of IS NULL AND r.started_at >= :week_ago
  AND (:project IS NULL OR r.project = :project)
  AND (:agent_type IS NULL OR EXISTS (
        SELECT 1 FROM node_executions AS n
        WHERE n.run_id = r.id AND n.agent_type = :agent_type))
