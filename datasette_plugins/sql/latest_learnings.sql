-- The latest learnings in the selected range, with the task that reported each.
-- ELF's own rows (no task) show only when no project or agent type is selected.
SELECT
    l.id, coalesce(l.domain, 'general') AS domain, coalesce(l.kind, l.type) AS kind,
    coalesce(l.text, l.summary, l.title) AS text, l.created_at,
    l.node_id, n.node_name, n.agent_type, n.run_id
FROM learnings AS l
LEFT JOIN node_executions AS n ON n.id = l.node_id
WHERE l.created_at >= datetime(:since)
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
ORDER BY l.created_at DESC, l.id  -- one report's learnings in their order
LIMIT :limit
