-- agent-runs export, kind "nodes": every column of node_executions, oldest id first.
-- Each parameter NULL means "all"; the list parameters are JSON arrays of strings.
--   :since        ISO 8601 UTC with Z: nodes started at or after it
--   :statuses     node status in the list
--   :agent_types  node agent_type in the list
--   :projects     node project containing one of the list (part of the path, as the dashboard and the canned queries match)
SELECT n.*
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND (:since IS NULL OR coalesce(n.started_at, n.created_at) >= :since)
  AND (:statuses IS NULL OR n.status IN (SELECT value FROM json_each(:statuses)))
  AND (:agent_types IS NULL OR n.agent_type IN (SELECT value FROM json_each(:agent_types)))
  AND (:projects IS NULL OR EXISTS (SELECT 1 FROM json_each(:projects) AS p
                                WHERE instr(n.project, p.value) > 0))
ORDER BY n.id
