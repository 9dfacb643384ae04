-- Tasks and tokens per time bucket and status over the selected range (the activity chart).
-- :bucket is 'hour' (UTC, "YYYY-MM-DDTHH:00"), 'day' (UTC date) or 'week' (the UTC Monday
-- starting the week). Hours (ranges of a day or less) come from the rows; for days and
-- weeks, whole days after :since's day come from rollup_tasks_daily(_all) and the rest of
-- :since's own day from the rows (idx_node_exec_started).
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day
),
counted AS (
    SELECT r.day AS at, r.status, r.tasks, r.token_count
    FROM rollup_tasks_daily_all AS r
    WHERE :project IS NULL AND :bucket <> 'hour' AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.day AS at, r.status, r.tasks, r.token_count
    FROM rollup_tasks_daily AS r
    WHERE r.project = :project AND :bucket <> 'hour' AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT substr(n.started_at, 1, 10), n.status, 1, coalesce(n.token_count, 0)
    FROM node_executions AS n
    WHERE :bucket <> 'hour' AND n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge)
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
    UNION ALL
    SELECT substr(n.started_at, 1, 13) || ':00', n.status, 1, coalesce(n.token_count, 0)
    FROM node_executions AS n
    WHERE :bucket = 'hour' AND n.duplicate_of IS NULL AND n.started_at >= :since
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
)
SELECT
    CASE WHEN :bucket = 'week' THEN date(at, '-6 days', 'weekday 1') ELSE at END AS bucket,
    status,
    sum(tasks) AS tasks,
    sum(token_count) AS tokens
FROM counted
GROUP BY 1, status
HAVING sum(tasks) > 0
