-- The nodes of the runs in this batch.
INSERT INTO temp.prune_nodes (id, agent_id)
SELECT id, agent_id FROM node_executions WHERE run_id IN (SELECT id FROM temp.prune_runs);
