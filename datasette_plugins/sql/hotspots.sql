-- The files subagents touched most in the selected range: calls, writes, failing tasks.
-- The top files are ranked from the touch rollups: with no filter, whole weeks from the
-- first Monday after :since's day from rollup_file_touches_weekly_all and the days before
-- it from rollup_file_touches_daily_all; with a project or agent type, every day after
-- :since's from rollup_file_touches_daily; the rest of :since's own day from the rows. A touch's agent type is
-- the one its event named, else its node's: with an agent type chosen, the touches that
-- named none are read from idx_file_touches_untyped. Then the failing tasks of those few
-- files only, through idx_file_touches_file, each checked against the failing nodes'
-- ids (idx_node_exec_failed) instead of reading its node.
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day,
           date(substr(:since, 1, 10), '+1 day', 'weekday 1') AS monday
),
counted AS (
    SELECT w.file_path, w.touches, w.accessed, w.writes
    FROM rollup_file_touches_weekly_all AS w
    WHERE :project IS NULL AND :agent_type IS NULL AND w.week >= (SELECT monday FROM edge)
    UNION ALL
    SELECT r.file_path, r.touches, r.accessed, r.writes
    FROM rollup_file_touches_daily_all AS r
    WHERE :project IS NULL AND :agent_type IS NULL AND r.day > (SELECT day FROM edge)
      AND r.day < (SELECT monday FROM edge)
    UNION ALL
    SELECT r.file_path, r.touches, r.accessed, r.writes
    FROM rollup_file_touches_daily AS r  -- a project: its range of the key index
    WHERE r.project = :project AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.file_path, r.touches, r.accessed, r.writes
    FROM rollup_file_touches_daily AS r  -- an agent type only: by agent type and day
    WHERE :project IS NULL AND r.agent_type = :agent_type AND r.day > (SELECT day FROM edge)
    UNION ALL
    SELECT t.file_path, 1, t.access IS NOT NULL, t.access IS 'write'
    FROM file_touches AS t INDEXED BY idx_file_touches_untyped
    WHERE :agent_type IS NOT NULL AND t.agent_type IS NULL
      AND t.touched_at >= (SELECT next_day FROM edge) AND t.file_path IS NOT NULL
      AND (:project IS NULL OR t.project = :project)
      AND (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id) = :agent_type
    UNION ALL
    SELECT t.file_path, 1, t.access IS NOT NULL, t.access IS 'write'
    FROM file_touches AS t INDEXED BY idx_file_touches_touched
    WHERE t.touched_at >= :since AND t.touched_at < (SELECT next_day FROM edge)
      AND t.file_path IS NOT NULL
      AND (:project IS NULL OR t.project = :project)
      AND (:agent_type IS NULL OR coalesce(
          t.agent_type,
          (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id)) = :agent_type)
),
top AS (
    SELECT
        file_path,
        sum(touches) AS touches,
        CASE WHEN sum(accessed) > 0 THEN sum(writes) END AS writes
    FROM counted
    GROUP BY file_path
    ORDER BY touches DESC, writes DESC, file_path
    LIMIT :limit
)
SELECT
    top.file_path,
    top.touches,
    top.writes,
    (SELECT count(DISTINCT t.node_id)
     FROM file_touches AS t
     WHERE t.file_path = top.file_path AND t.touched_at >= :since
       AND EXISTS (
           SELECT 1 FROM node_executions AS f INDEXED BY idx_node_exec_failed
           WHERE f.id = t.node_id AND (f.status = 'failed' OR f.outcome = 'failure'))
       AND (:project IS NULL OR t.project = :project)
       AND (:agent_type IS NULL OR coalesce(
           t.agent_type,
           (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id)) = :agent_type))
        AS failing_tasks
FROM top
ORDER BY top.touches DESC, top.writes DESC, top.file_path
