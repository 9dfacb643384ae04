SELECT * FROM node_executions
WHERE session_id = :session_id AND status IN ('running', 'pending');
