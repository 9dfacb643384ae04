-- Capture coverage over the selected range: tasks recorded (ELF's duplicates left out),
-- those the hook did not record first (recorded_by other than 'hook': found later by
-- backfill), and executions `doctor --coverage` found in transcripts that nobody
-- recorded (capture_gaps; they have no project, so a project filter leaves them out).
-- Rows recorded before recorded_by existed (NULL) count as seen by the hook.
-- The tasks recorded come from the rollups (all projects: whole weeks from the first
-- Monday after :since's day from rollup_tasks_weekly_all, the days before it from
-- rollup_tasks_daily_all; a project: rollup_tasks_daily), the rest of :since's own day
-- from the rows; the tasks not recorded first by the hook from idx_node_exec_not_by_hook.
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day,
           date(substr(:since, 1, 10), '+1 day', 'weekday 1') AS monday
)
SELECT
    (SELECT coalesce(sum(r.tasks), 0) FROM rollup_tasks_weekly_all AS r
     WHERE :project IS NULL AND r.week >= (SELECT monday FROM edge)
       AND (:agent_type IS NULL OR r.agent_type = :agent_type))
    + (SELECT coalesce(sum(r.tasks), 0) FROM rollup_tasks_daily_all AS r
       WHERE :project IS NULL AND r.day > (SELECT day FROM edge)
         AND r.day < (SELECT monday FROM edge)
         AND (:agent_type IS NULL OR r.agent_type = :agent_type))
    + (SELECT coalesce(sum(r.tasks), 0) FROM rollup_tasks_daily AS r
       WHERE r.project = :project AND r.day > (SELECT day FROM edge)
         AND (:agent_type IS NULL OR r.agent_type = :agent_type))
    + (SELECT count(*) FROM node_executions AS n
       WHERE n.duplicate_of IS NULL AND n.started_at >= :since
         AND n.started_at < (SELECT next_day FROM edge)
         AND (:project IS NULL OR n.project = :project)
         AND (:agent_type IS NULL OR n.agent_type = :agent_type)) AS recorded,
    (SELECT count(*) FROM node_executions AS n
     WHERE n.recorded_by <> 'hook' AND n.started_at >= :since AND n.duplicate_of IS NULL
       AND (:project IS NULL OR n.project = :project)
       AND (:agent_type IS NULL OR n.agent_type = :agent_type)) AS backfilled,
    (SELECT count(*) FROM capture_gaps AS g
     WHERE g.started_at >= :since AND :project IS NULL
       AND (:agent_type IS NULL OR g.agent_type = :agent_type)
       AND NOT EXISTS (SELECT 1 FROM node_executions AS n WHERE n.tool_use_id = g.tool_use_id))
        AS unrecorded
