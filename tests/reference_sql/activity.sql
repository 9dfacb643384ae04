-- Tasks and tokens per time bucket and status over the selected range.
-- :bucket is 'hour' (UTC, "YYYY-MM-DDTHH:00"), 'day' (UTC date) or 'week' (the UTC Monday
-- starting the week).
SELECT
    CASE :bucket
        WHEN 'week' THEN date(n.started_at, '-6 days', 'weekday 1')
        WHEN 'hour' THEN substr(n.started_at, 1, 13) || ':00'
        ELSE substr(n.started_at, 1, 10) END AS bucket,
    n.status,
    count(*) AS tasks,
    coalesce(sum(n.token_count), 0) AS tokens
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= :since
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
GROUP BY bucket, n.status
ORDER BY bucket
