SELECT * FROM node_executions WHERE run_id = :run_id ORDER BY created_at, id;
