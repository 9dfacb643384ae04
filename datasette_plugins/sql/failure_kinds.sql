-- Failed tasks in the selected range grouped by failure_kind (set by the outcome
-- classifier; 'unclassified' for failures judged before it, or by a plugin without one).
-- Whole days after :since's day come from the tasks rollups (their _all twin when no
-- project is chosen), the rest of :since's own day from the rows; ELF's duplicates of
-- our rows count nowhere, as in every other panel.
-- With all projects, the whole weeks from the first Monday after the first day come from
-- the weekly twin (rollup_tasks_weekly_all), the days before that Monday from the daily
-- one.
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day,
           date(substr(:since, 1, 10), '+1 day', 'weekday 1') AS monday
),
counted AS (
    SELECT r.failure_kind, r.tasks
    FROM rollup_tasks_weekly_all AS r
    WHERE :project IS NULL AND r.week >= (SELECT monday FROM edge) AND r.status = 'failed'
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.failure_kind, r.tasks
    FROM rollup_tasks_daily_all AS r
    WHERE :project IS NULL AND r.day > (SELECT day FROM edge)
      AND r.day < (SELECT monday FROM edge) AND r.status = 'failed'
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.failure_kind, r.tasks
    FROM rollup_tasks_daily AS r
    WHERE r.project = :project AND r.day > (SELECT day FROM edge) AND r.status = 'failed'
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT n.failure_kind, 1
    FROM node_executions AS n
    WHERE n.status = 'failed' AND n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge)
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
)
SELECT coalesce(failure_kind, 'unclassified') AS failure_kind, sum(tasks) AS tasks
FROM counted
GROUP BY coalesce(failure_kind, 'unclassified')
HAVING sum(tasks) > 0
ORDER BY tasks DESC, failure_kind
