-- USD cost per time bucket and model over the selected range (tasks without a price add
-- nothing). :bucket as in activity.sql: 'hour' from the rows; for 'day' and 'week', whole
-- days after :since's day come from rollup_tasks_daily(_all) and the rest of :since's own day
-- from the rows.
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day
),
costed AS (
    SELECT r.day AS at, r.model, r.cost_usd
    FROM rollup_tasks_daily_all AS r
    WHERE :project IS NULL AND :bucket <> 'hour' AND r.day > (SELECT day FROM edge)
      AND r.costed > 0
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.day AS at, r.model, r.cost_usd
    FROM rollup_tasks_daily AS r
    WHERE r.project = :project AND :bucket <> 'hour' AND r.day > (SELECT day FROM edge)
      AND r.costed > 0
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT substr(n.started_at, 1, 10), n.model, n.cost_usd
    FROM node_executions AS n
    WHERE :bucket <> 'hour' AND n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge) AND n.cost_usd IS NOT NULL
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
    UNION ALL
    SELECT substr(n.started_at, 1, 13) || ':00', n.model, n.cost_usd
    FROM node_executions AS n
    WHERE :bucket = 'hour' AND n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.cost_usd IS NOT NULL
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
)
SELECT
    CASE WHEN :bucket = 'week' THEN date(at, '-6 days', 'weekday 1') ELSE at END AS bucket,
    coalesce(model, '(unknown)') AS model,
    sum(cost_usd) AS cost_usd
FROM costed
GROUP BY 1, 2
ORDER BY 1, 2
