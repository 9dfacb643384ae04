SELECT * FROM node_executions WHERE tool_use_id = :tool_use_id;
