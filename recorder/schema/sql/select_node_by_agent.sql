SELECT * FROM node_executions WHERE agent_id = :agent_id ORDER BY id DESC LIMIT 1;
