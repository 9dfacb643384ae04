-- The files subagents touched most among touches within the last :days days (default 30,
-- rolling, UTC): touches, writes, reads, distinct tasks, failing tasks and agent types
-- (of file_touches, filled from subagents' own transcripts and their parents' calls, so
-- made inside subagents). Empty :project / :agent_type mean all. A touch's agent type is
-- the one its event named, else its node's.
-- The top files are ranked from the touch rollups: with no filter, whole weeks from the
-- first Monday after the first day from rollup_file_touches_weekly_all and the days
-- before it from rollup_file_touches_daily_all; with a project or agent type, every whole
-- day from rollup_file_touches_daily (the matching projects' ranges of its key index, or
-- its index by agent type; with an agent type, the touches that named none through
-- idx_file_touches_untyped); the rest of the first day from the rows. Their tasks,
-- failing tasks, agent types and last touch are then read for those files only, from
-- the covering idx_file_touches_file, a task's failure from the failing nodes' partial
-- index by id (idx_node_exec_failed) rather than its row.
WITH window AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
bounds AS (
    SELECT since, substr(since, 1, 10) AS day, date(substr(since, 1, 10), '+1 day') AS next_day,
           date(substr(since, 1, 10), '+1 day', 'weekday 1') AS monday
    FROM window
),
projects(project) AS (  -- the rollup's projects, each found by one seek of its key index
    SELECT min(r.project) FROM rollup_file_touches_daily AS r
    WHERE ifnull(:project, '') <> '' AND r.project > ''
    UNION ALL
    SELECT (SELECT min(r.project) FROM rollup_file_touches_daily AS r
            WHERE r.project > projects.project)
    FROM projects
    WHERE projects.project IS NOT NULL
),
counted AS (
    SELECT w.file_path, w.touches, w.accessed, w.writes, w.reads
    FROM rollup_file_touches_weekly_all AS w
    WHERE ifnull(:project, '') = '' AND ifnull(:agent_type, '') = ''
      AND w.week >= (SELECT monday FROM bounds)
    UNION ALL
    SELECT r.file_path, r.touches, r.accessed, r.writes, r.reads
    FROM rollup_file_touches_daily_all AS r
    WHERE ifnull(:project, '') = '' AND ifnull(:agent_type, '') = ''
      AND r.day > (SELECT day FROM bounds) AND r.day < (SELECT monday FROM bounds)
    UNION ALL
    SELECT r.file_path, r.touches, r.accessed, r.writes, r.reads
    FROM projects AS p  -- a project (part of its path) only: each matching project's days
    JOIN rollup_file_touches_daily AS r ON r.project = p.project
    WHERE ifnull(:project, '') <> '' AND ifnull(:agent_type, '') = ''
      AND instr(p.project, :project) > 0 AND r.day > (SELECT day FROM bounds)
    UNION ALL
    SELECT r.file_path, r.touches, r.accessed, r.writes, r.reads
    FROM rollup_file_touches_daily AS r  -- an agent type: by agent type and day
    WHERE r.agent_type = nullif(:agent_type, '') AND r.day > (SELECT day FROM bounds)
      AND (ifnull(:project, '') = '' OR instr(r.project, :project) > 0)
    UNION ALL
    SELECT t.file_path, 1, t.access IS NOT NULL, t.access IS 'write', t.access IS 'read'
    FROM file_touches AS t INDEXED BY idx_file_touches_untyped
    WHERE ifnull(:agent_type, '') <> '' AND t.agent_type IS NULL
      AND t.touched_at >= (SELECT next_day FROM bounds) AND t.file_path IS NOT NULL
      AND (ifnull(:project, '') = '' OR instr(t.project, :project) > 0)
      AND (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id) = :agent_type
    UNION ALL
    SELECT t.file_path, 1, t.access IS NOT NULL, t.access IS 'write', t.access IS 'read'
    FROM file_touches AS t INDEXED BY idx_file_touches_touched
    WHERE t.touched_at >= (SELECT since FROM bounds)
      AND t.touched_at < (SELECT next_day FROM bounds)
      AND t.file_path IS NOT NULL
      AND (ifnull(:project, '') = '' OR instr(t.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR coalesce(
          t.agent_type,
          (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id)) = :agent_type)
),
top AS (
    SELECT
        file_path,
        sum(touches) AS touches,
        CASE WHEN sum(accessed) > 0 THEN sum(writes) END AS writes,
        CASE WHEN sum(accessed) > 0 THEN sum(reads) END AS reads
    FROM counted
    GROUP BY file_path
    ORDER BY touches DESC, writes DESC, file_path
    LIMIT 200
),
touched AS (
    SELECT
        t.file_path,
        t.touched_at,
        coalesce(t.node_id, t.agent_id) AS task,
        CASE WHEN EXISTS (
            SELECT 1 FROM node_executions AS f INDEXED BY idx_node_exec_failed
            WHERE f.id = t.node_id AND (f.status = 'failed' OR f.outcome = 'failure'))
        THEN t.node_id END AS failing_task,
        coalesce(
            t.agent_type,
            (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id)) AS agent_type
    FROM top
    JOIN file_touches AS t INDEXED BY idx_file_touches_file ON t.file_path = top.file_path
    WHERE t.touched_at >= (SELECT since FROM bounds)
      AND (ifnull(:project, '') = '' OR instr(t.project, :project) > 0)
),
detail AS (
    SELECT
        file_path,
        count(DISTINCT task) AS tasks,
        count(DISTINCT failing_task) AS failing_tasks,
        group_concat(DISTINCT agent_type) AS agent_types,
        max(touched_at) AS last_touched
    FROM touched
    WHERE ifnull(:agent_type, '') = '' OR agent_type = :agent_type
    GROUP BY file_path
)
SELECT
    top.file_path,
    top.touches,
    top.writes,
    top.reads,
    detail.tasks,
    detail.failing_tasks,
    detail.agent_types,
    detail.last_touched
FROM top
JOIN detail ON detail.file_path = top.file_path
ORDER BY top.touches DESC, top.writes DESC, top.file_path
LIMIT 200
