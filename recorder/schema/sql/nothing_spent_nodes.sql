-- Whether a derived node is a call denied or cancelled before it started a subagent, with
-- no cost: derivation now says it spent nothing (m039), so the tables need a rebuild.
SELECT EXISTS (
    SELECT 1 FROM node_executions AS n JOIN derived_rows AS d
        ON d.tbl = 'node_executions' AND d.key = n.tool_use_id
    WHERE n.error_type IN ('permission_denied', 'not_started') AND n.agent_id IS NULL
        AND n.token_count IS NULL AND n.cost_usd IS NULL
);
