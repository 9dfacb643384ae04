-- Whether a derived node is a finished call with no subagent known and no cost, and no
-- word of why: derivation now says a call denied or cancelled before it started spent
-- nothing, and why any other one's cost is unknown (m039), so the tables need a rebuild.
SELECT EXISTS (
    SELECT 1 FROM node_executions AS n JOIN derived_rows AS d
        ON d.tbl = 'node_executions' AND d.key = n.tool_use_id
    WHERE n.status IN ('completed', 'failed', 'cancelled', 'abandoned')
        AND n.agent_id IS NULL AND n.token_count IS NULL AND n.cost_usd IS NULL
        AND n.cost_note IS NULL
);
