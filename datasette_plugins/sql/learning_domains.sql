-- How many learnings each domain got in the selected range, most first.
SELECT
    coalesce(l.domain, 'general') AS domain, count(*) AS learnings,
    sum(coalesce(l.kind, l.type) = 'heuristic') AS heuristics
FROM learnings AS l
LEFT JOIN node_executions AS n ON n.id = l.node_id
WHERE l.created_at >= datetime(:since)
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
GROUP BY coalesce(l.domain, 'general')
ORDER BY learnings DESC, domain
LIMIT :limit
