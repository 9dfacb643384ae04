-- The derived nodes of finished calls with no subagent known, no usage and no cost, that
-- say nothing of why: m039 mends them in place, as derivation now writes them.
SELECT n.id, n.run_id, n.session_id, n.error_type
FROM node_executions AS n JOIN derived_rows AS d
    ON d.tbl = 'node_executions' AND d.key = n.tool_use_id
WHERE n.status IN ('completed', 'failed', 'cancelled', 'abandoned')
    AND n.agent_id IS NULL AND n.token_count IS NULL AND n.cost_usd IS NULL
    AND n.cost_note IS NULL;
