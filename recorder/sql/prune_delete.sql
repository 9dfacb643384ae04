-- Everything `agent-runs prune` deletes, one statement per table, child rows first.
-- The temp tables prune_runs(id), prune_nodes(id, agent_id) and prune_sessions(id) hold
-- the batch being deleted. Every table whose rows belong to runs, nodes or sessions gets
-- one statement here, of the form `DELETE FROM <table> WHERE ...;` (a dry run counts
-- the same rows with `SELECT count(*) FROM <table> WHERE ...`).
DELETE FROM subagents
WHERE agent_id IN (SELECT agent_id FROM temp.prune_nodes)
   OR session_id IN (SELECT id FROM temp.prune_sessions);
DELETE FROM _agent_runs_otlp_exports WHERE run_id IN (SELECT id FROM temp.prune_runs);
DELETE FROM conductor_decisions WHERE run_id IN (SELECT id FROM temp.prune_runs);
DELETE FROM trails WHERE run_id IN (SELECT id FROM temp.prune_runs);
DELETE FROM learnings WHERE node_id IN (SELECT id FROM temp.prune_nodes);
DELETE FROM file_touches
WHERE node_id IN (SELECT id FROM temp.prune_nodes)
   OR session_id IN (SELECT id FROM temp.prune_sessions);
DELETE FROM node_tools WHERE node_id IN (SELECT id FROM temp.prune_nodes);
DELETE FROM node_executions WHERE id IN (SELECT id FROM temp.prune_nodes);
DELETE FROM workflow_runs WHERE id IN (SELECT id FROM temp.prune_runs);
DELETE FROM sessions WHERE id IN (SELECT id FROM temp.prune_sessions);
