-- agent-runs export --otlp: the nodes of a batch of runs (:run_ids, a JSON array of ids).
-- _derived (last): 1 when agent-runs derived the row from a kept event; the export
-- redacts the text of any other row (ELF's, or one from before kept events).
SELECT
    n.id,
    n.run_id,
    n.node_id,
    n.tool_use_id,
    n.node_name,
    n.agent_type,
    n.agent_id,
    n.model,
    n.session_id,
    n.project,
    n.status,
    n.outcome,
    n.outcome_reason,
    n.error_message,
    n.error_type,
    n.is_background,
    n.duration_ms,
    n.token_count,
    n.input_tokens,
    n.output_tokens,
    n.cache_read_tokens,
    n.cache_creation_tokens,
    n.tool_use_count,
    n.cost_usd,
    n.cost_note,
    n.api_calls,
    n.context_tokens,
    n.usage_source,
    n.started_at,
    n.completed_at,
    n.created_at,
    EXISTS (SELECT 1 FROM derived_rows AS d
            WHERE d.tbl = 'node_executions' AND d.key = n.tool_use_id) AS _derived
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.run_id IN (SELECT value FROM json_each(:run_ids))
ORDER BY n.run_id, n.id
