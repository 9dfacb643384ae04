-- The nodes of one run in the order they started.
SELECT
    id, node_name, agent_type, model, status, outcome, outcome_reason, error_message,
    is_background, started_at, completed_at, updated_at, duration_ms, token_count,
    tool_use_count, cost_usd, cost_note, api_calls, agent_id, parent_agent_id
FROM node_executions
WHERE run_id = :id
ORDER BY started_at, id
