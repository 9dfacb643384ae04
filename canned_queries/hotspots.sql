-- Hotspots: the files subagents touched most in the last :days days (default 30, rolling,
-- UTC), with how many of those calls wrote and read, how many tasks touched each file and
-- how many of those tasks failed. Needs `agent-runs install-hooks --files` (file tool calls
-- made inside subagents). Empty :project / :agent_type mean all. Uses idx_file_touches_touched.
SELECT
    t.file_path,
    count(*) AS touches,
    sum(t.access = 'write') AS writes,
    sum(t.access = 'read') AS reads,
    count(DISTINCT coalesce(t.node_id, t.agent_id)) AS tasks,
    count(DISTINCT CASE WHEN n.status = 'failed' OR n.outcome = 'failure' THEN n.id END)
        AS failing_tasks,
    group_concat(DISTINCT coalesce(n.agent_type, t.agent_type)) AS agent_types,
    max(t.touched_at) AS last_touched
FROM file_touches AS t INDEXED BY idx_file_touches_touched
LEFT JOIN node_executions AS n ON n.id = t.node_id
WHERE t.touched_at >= strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
  AND t.file_path IS NOT NULL
  AND (ifnull(:project, '') = '' OR instr(t.project, :project) > 0)
  AND (ifnull(:agent_type, '') = '' OR coalesce(n.agent_type, t.agent_type) = :agent_type)
GROUP BY t.file_path
ORDER BY touches DESC, writes DESC, t.file_path
LIMIT 200
