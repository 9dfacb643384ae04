-- USD cost per time bucket and model over the selected range, from the rows (tasks
-- without a price add nothing).
SELECT
    CASE :bucket
        WHEN 'week' THEN date(n.started_at, '-6 days', 'weekday 1')
        WHEN 'hour' THEN substr(n.started_at, 1, 13) || ':00'
        ELSE substr(n.started_at, 1, 10) END AS bucket,
    coalesce(n.model, '(unknown)') AS model,
    sum(n.cost_usd) AS cost_usd
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= :since
  AND n.cost_usd IS NOT NULL
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
GROUP BY 1, 2
ORDER BY 1, 2
