-- agent-runs export, kind "runs": every column of workflow_runs, oldest id first.
-- Each parameter NULL means "all"; the list parameters are JSON arrays of strings.
--   :since        ISO 8601 UTC with Z (ELF's times, with a space for the T, compare as ISO): runs started at or after it
--   :statuses     run status in the list
--   :agent_types  runs with at least one node of one of these agent types
--   :projects     run project containing one of the list (part of the path, as the dashboard and the canned queries match)
-- _derived (last): 1 when agent-runs derived the row from a kept event; the export
-- redacts the text of any other row (ELF's, or one from before kept events).
SELECT r.*,
       EXISTS (SELECT 1 FROM derived_rows AS d
               WHERE d.tbl = 'workflow_runs' AND d.key = r.run_key) AS _derived
FROM workflow_runs AS r
WHERE r.duplicate_of IS NULL AND (:since IS NULL OR replace(coalesce(r.started_at, r.created_at), ' ', 'T') >= :since)
  AND (:statuses IS NULL OR r.status IN (SELECT value FROM json_each(:statuses)))
  AND (:agent_types IS NULL OR EXISTS (
        SELECT 1 FROM node_executions AS n
        WHERE n.run_id = r.id
          AND n.agent_type IN (SELECT value FROM json_each(:agent_types))))
  AND (:projects IS NULL OR EXISTS (SELECT 1 FROM json_each(:projects) AS p
                                WHERE instr(r.project, p.value) > 0))
ORDER BY r.id
