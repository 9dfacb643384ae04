-- One node by its row id (nodes ELF recorded may have no tool_use_id).
SELECT * FROM node_executions WHERE id = :id;
