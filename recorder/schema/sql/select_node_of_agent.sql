-- The node of a subagent: the Task/Agent call that launched agent :agent_id in the session.
SELECT id, run_id FROM node_executions
WHERE agent_id = :agent_id AND session_id = :session_id
ORDER BY id DESC
LIMIT 1;
