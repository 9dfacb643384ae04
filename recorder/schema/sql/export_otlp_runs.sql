-- agent-runs export --otlp: the next batch of finished runs not yet sent to :endpoint.
-- Finished = any status but running/pending. Keyset paging: ids above :after, :limit of them.
-- Each filter parameter NULL means "all"; the list parameters are JSON arrays of strings.
-- _derived (last): 1 when agent-runs derived the row from a kept event; the export
-- redacts the text of any other row (ELF's, or one from before kept events).
SELECT
    r.id,
    r.run_key,
    r.session_id,
    r.prompt_id,
    r.workflow_name,
    r.grouping,
    r.status,
    r.error_message,
    r.total_nodes,
    r.completed_nodes,
    r.failed_nodes,
    r.cancelled_nodes,
    r.total_tokens,
    r.cost_usd,
    coalesce(r.project, s.project) AS project,
    r.started_at,
    r.completed_at,
    r.closed_at,
    r.created_at,
    r.updated_at,
    EXISTS (SELECT 1 FROM derived_rows AS d
            WHERE d.tbl = 'workflow_runs' AND d.key = r.run_key) AS _derived
FROM workflow_runs AS r
LEFT JOIN sessions AS s ON s.id = r.session_id
WHERE r.duplicate_of IS NULL AND r.id > :after
  AND r.status NOT IN ('running', 'pending')
  AND NOT EXISTS (
        SELECT 1 FROM _agent_runs_otlp_exports AS e
        WHERE e.endpoint = :endpoint AND e.run_id = r.id)
  AND (:since IS NULL OR replace(coalesce(r.started_at, r.created_at), ' ', 'T') >= :since)
  AND (:statuses IS NULL OR r.status IN (SELECT value FROM json_each(:statuses)))
  AND (:agent_types IS NULL OR EXISTS (
        SELECT 1 FROM node_executions AS n
        WHERE n.run_id = r.id
          AND n.agent_type IN (SELECT value FROM json_each(:agent_types))))
  AND (:projects IS NULL
       OR EXISTS (SELECT 1 FROM json_each(:projects) AS p
                  WHERE instr(coalesce(r.project, s.project), p.value) > 0))
ORDER BY r.id
LIMIT :limit
