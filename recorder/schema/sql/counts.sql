SELECT (SELECT count(*) FROM sessions) AS sessions,
       (SELECT count(*) FROM workflow_runs) AS runs,
       (SELECT count(*) FROM node_executions) AS nodes;
