-- A session's spend: its subagents' nodes plus the main agent's own (when read), and how
-- many of its finished nodes have no known cost (the sum leaves them out).
UPDATE sessions SET
    subagent_cost_usd = (
        SELECT sum(cost_usd) FROM node_executions WHERE session_id = :session_id),
    cost_usd = CASE
        WHEN main_cost_usd IS NULL AND NOT EXISTS (
            SELECT 1 FROM node_executions WHERE session_id = :session_id AND cost_usd IS NOT NULL)
        THEN NULL
        ELSE coalesce(main_cost_usd, 0) + coalesce((
            SELECT sum(cost_usd) FROM node_executions WHERE session_id = :session_id), 0) END,
    unpriced_nodes = (
        SELECT count(*) FROM node_executions
        WHERE session_id = :session_id AND cost_usd IS NULL
          AND status NOT IN ('running', 'pending'))
WHERE id = :session_id;
