-- A node that now knows its subagent claims the touches that subagent made before.
UPDATE file_touches SET node_id = :id, run_id = :run_id
WHERE agent_id = :agent_id AND session_id = :session_id AND node_id IS NULL;
