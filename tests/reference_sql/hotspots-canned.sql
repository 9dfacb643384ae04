-- The files subagents touched most among touches within the last :days days (default 30,
-- rolling, UTC): touches, writes, reads, distinct tasks, failing tasks and agent types
-- (of file_touches, filled from subagents' own transcripts and their parents' calls, so
-- made inside subagents). Empty :project / :agent_type mean all. A touch's agent type is
-- the one its event named, else its node's. The top files are counted from
-- idx_file_touches_touched alone (it covers the columns counted); their tasks, failing
-- tasks and agent types are then read for those files only (idx_file_touches_file).
WITH window AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
top AS (
    SELECT
        t.file_path,
        count(*) AS touches,
        sum(t.access = 'write') AS writes,
        sum(t.access = 'read') AS reads,
        max(t.touched_at) AS last_touched
    FROM file_touches AS t INDEXED BY idx_file_touches_touched
    WHERE t.touched_at >= (SELECT since FROM window)
      AND t.file_path IS NOT NULL
      AND (ifnull(:project, '') = '' OR instr(t.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR coalesce(
          t.agent_type,
          (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id)) = :agent_type)
    GROUP BY t.file_path
    ORDER BY touches DESC, writes DESC, t.file_path
    LIMIT 200
),
detail AS (
    SELECT
        top.file_path,
        count(DISTINCT coalesce(t.node_id, t.agent_id)) AS tasks,
        count(DISTINCT CASE WHEN n.status = 'failed' OR n.outcome = 'failure' THEN n.id END)
            AS failing_tasks,
        group_concat(DISTINCT coalesce(t.agent_type, n.agent_type)) AS agent_types
    FROM top
    JOIN file_touches AS t ON t.file_path = top.file_path
    LEFT JOIN node_executions AS n ON n.id = t.node_id
    WHERE t.touched_at >= (SELECT since FROM window)
      AND (ifnull(:project, '') = '' OR instr(t.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR coalesce(t.agent_type, n.agent_type) = :agent_type)
    GROUP BY top.file_path
)
SELECT
    top.file_path,
    top.touches,
    top.writes,
    top.reads,
    detail.tasks,
    detail.failing_tasks,
    detail.agent_types,
    top.last_touched
FROM top
JOIN detail ON detail.file_path = top.file_path
ORDER BY top.touches DESC, top.writes DESC, top.file_path
LIMIT 200
