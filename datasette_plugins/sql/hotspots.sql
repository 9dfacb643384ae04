-- The files subagents touched most in the selected range: calls, writes, failing tasks.
SELECT
    t.file_path,
    count(*) AS touches,
    sum(t.access = 'write') AS writes,
    count(DISTINCT CASE WHEN n.status = 'failed' OR n.outcome = 'failure' THEN n.id END)
        AS failing_tasks
FROM file_touches AS t
LEFT JOIN node_executions AS n ON n.id = t.node_id
WHERE t.touched_at >= :since
  AND t.file_path IS NOT NULL
  AND (:project IS NULL OR t.project = :project)
  AND (:agent_type IS NULL OR coalesce(n.agent_type, t.agent_type) = :agent_type)
GROUP BY t.file_path
ORDER BY touches DESC, writes DESC, t.file_path
LIMIT :limit
