-- The nodes of one run, with what recorder/parallelism.py needs.
SELECT id, agent_id, parent_agent_id, status, started_at, completed_at, duration_ms
FROM node_executions
WHERE run_id = :run_id AND duplicate_of IS NULL
ORDER BY started_at, id;
