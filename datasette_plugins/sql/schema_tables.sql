-- Which of the tables that mark an agent-runs database exist here.
SELECT name FROM sqlite_master
WHERE type = 'table' AND name IN ('node_executions', 'workflow_runs', 'sessions')
