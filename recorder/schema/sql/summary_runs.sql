SELECT status, count(*) AS n FROM workflow_runs GROUP BY status ORDER BY n DESC;
