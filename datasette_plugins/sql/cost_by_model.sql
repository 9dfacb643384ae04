-- USD cost per time bucket and model over the selected range (tasks without a price add
-- nothing). :bucket is 'day' (UTC date) or 'week' (the UTC Monday starting the week).
SELECT
    CASE WHEN :bucket = 'week'
         THEN date(n.started_at, '-6 days', 'weekday 1')
         ELSE substr(n.started_at, 1, 10) END AS bucket,
    coalesce(n.model, '(unknown)') AS model,
    sum(n.cost_usd) AS cost_usd
FROM node_executions AS n
WHERE n.started_at >= :since
  AND n.cost_usd IS NOT NULL
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
GROUP BY bucket, coalesce(n.model, '(unknown)')
ORDER BY bucket
