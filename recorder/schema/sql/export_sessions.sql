-- agent-runs export, kind "sessions": every column of sessions, in the order recorded.
-- Each parameter NULL means "all"; the list parameters are JSON arrays of strings.
--   :since        ISO 8601 UTC with Z (ELF's times, with a space for the T, compare as ISO): sessions with activity at or after it
--   :statuses     sessions with at least one node in one of these statuses
--   :agent_types  sessions with at least one node of one of these agent types
--   :projects     session project containing one of the list (part of the path, as the dashboard and the canned queries match)
-- _derived (last): 1 when agent-runs derived the row from a kept event; the export
-- redacts the text of any other row (ELF's, or one from before kept events).
SELECT s.*,
       EXISTS (SELECT 1 FROM derived_rows AS d
               WHERE d.tbl = 'sessions' AND d.key = s.id) AS _derived
FROM sessions AS s
WHERE (:since IS NULL
       OR replace(coalesce(s.last_event_at, s.ended_at, s.started_at, s.created_at), ' ', 'T') >= :since)
  AND (:statuses IS NULL OR EXISTS (
        SELECT 1 FROM node_executions AS n
        WHERE n.session_id = s.id
          AND n.status IN (SELECT value FROM json_each(:statuses))))
  AND (:agent_types IS NULL OR EXISTS (
        SELECT 1 FROM node_executions AS n
        WHERE n.session_id = s.id
          AND n.agent_type IN (SELECT value FROM json_each(:agent_types))))
  AND (:projects IS NULL OR EXISTS (SELECT 1 FROM json_each(:projects) AS p
                                WHERE instr(s.project, p.value) > 0))
ORDER BY s.rowid
