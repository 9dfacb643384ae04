-- The sessions of the batch's nodes: what they spent is summed again once the nodes are
-- gone (refresh_session_cost.sql), for each of those sessions that stays.
SELECT DISTINCT session_id FROM node_executions
WHERE id IN (SELECT id FROM temp.prune_nodes) AND session_id IS NOT NULL;
