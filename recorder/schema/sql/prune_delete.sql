-- Everything `agent-runs prune` deletes, one statement per table, child rows first.
-- The temp tables prune_runs(id), prune_nodes(id, agent_id) and prune_sessions(id) hold
-- the batch being deleted. Every table whose rows belong to runs, nodes or sessions gets
-- one statement here, of the form `DELETE FROM <table> WHERE ...;` (a dry run counts
-- the same rows with `SELECT count(*) FROM <table> WHERE ...`). The kept events of what
-- goes (by session, tool_use_id or agent id) go with it, and its derived_rows entries.
DELETE FROM kept_events
WHERE session_id IN (SELECT id FROM temp.prune_sessions)
   OR subject IN (SELECT agent_id FROM temp.prune_nodes)
   OR subject IN (
       SELECT tool_use_id FROM node_executions WHERE id IN (SELECT id FROM temp.prune_nodes))
   OR subject IN (
       SELECT tool_use_id FROM file_touches WHERE node_id IN (SELECT id FROM temp.prune_nodes));
DELETE FROM derived_rows
WHERE (tbl = 'sessions' AND key IN (SELECT id FROM temp.prune_sessions))
   OR (tbl = 'workflow_runs' AND id IN (SELECT id FROM temp.prune_runs))
   OR (tbl = 'node_executions' AND id IN (SELECT id FROM temp.prune_nodes))
   OR (tbl = 'subagents' AND key IN (SELECT agent_id FROM temp.prune_nodes))
   OR (tbl = 'learnings' AND id IN (
       SELECT id FROM learnings WHERE node_id IN (SELECT id FROM temp.prune_nodes)))
   OR (tbl = 'file_touches' AND id IN (
       SELECT id FROM file_touches WHERE node_id IN (SELECT id FROM temp.prune_nodes)));
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
DELETE FROM capture_gaps WHERE session_id IN (SELECT id FROM temp.prune_sessions);
DELETE FROM sessions WHERE id IN (SELECT id FROM temp.prune_sessions);
