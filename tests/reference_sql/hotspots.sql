-- The files subagents touched most in the selected range: calls, writes, failing tasks.
-- First the top files by touches, from idx_file_touches_touched alone (it covers the
-- columns counted); then the failing tasks of those few files only, through
-- idx_file_touches_file. A touch's agent type is the one its event named, else its node's.
WITH top AS (
    SELECT t.file_path, count(*) AS touches, sum(t.access = 'write') AS writes
    FROM file_touches AS t INDEXED BY idx_file_touches_touched
    WHERE t.touched_at >= :since
      AND t.file_path IS NOT NULL
      AND (:project IS NULL OR t.project = :project)
      AND (:agent_type IS NULL OR coalesce(
          t.agent_type,
          (SELECT n.agent_type FROM node_executions AS n WHERE n.id = t.node_id)) = :agent_type)
    GROUP BY t.file_path
    ORDER BY touches DESC, writes DESC, t.file_path
    LIMIT :limit
)
SELECT
    top.file_path,
    top.touches,
    top.writes,
    (SELECT count(DISTINCT n.id)
     FROM file_touches AS t
     JOIN node_executions AS n ON n.id = t.node_id
     WHERE t.file_path = top.file_path AND t.touched_at >= :since
       AND (n.status = 'failed' OR n.outcome = 'failure')
       AND (:project IS NULL OR t.project = :project)
       AND (:agent_type IS NULL OR coalesce(t.agent_type, n.agent_type) = :agent_type))
        AS failing_tasks
FROM top
ORDER BY top.touches DESC, top.writes DESC, top.file_path
