-- agent-runs export, kind "nodes": every column of node_executions, oldest id first.
-- Each parameter NULL means "all"; the list parameters are JSON arrays of strings.
--   :since        ISO 8601 UTC with Z (ELF's times, with a space for the T, compare as ISO): nodes started at or after it
--   :statuses     node status in the list
--   :agent_types  node agent_type in the list
--   :projects     node project containing one of the list (part of the path, as the dashboard and the canned queries match)
-- _derived (last): 1 when agent-runs derived the row from a kept event; the export
-- redacts the text of any other row (ELF's, or one from before kept events).
SELECT n.*,
       EXISTS (SELECT 1 FROM derived_rows AS d
               WHERE d.tbl = 'node_executions' AND d.key = n.tool_use_id) AS _derived
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND (:since IS NULL OR replace(coalesce(n.started_at, n.created_at), ' ', 'T') >= :since)
  AND (:statuses IS NULL OR n.status IN (SELECT value FROM json_each(:statuses)))
  AND (:agent_types IS NULL OR n.agent_type IN (SELECT value FROM json_each(:agent_types)))
  AND (:projects IS NULL OR EXISTS (SELECT 1 FROM json_each(:projects) AS p
                                WHERE instr(n.project, p.value) > 0))
ORDER BY n.id
