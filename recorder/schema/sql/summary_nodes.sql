SELECT status, count(*) AS n FROM node_executions GROUP BY status ORDER BY n DESC;
