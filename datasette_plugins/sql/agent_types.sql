-- Agent types to offer in the dashboard's filter (reads the agent_type index only).
SELECT DISTINCT agent_type FROM node_executions
WHERE agent_type IS NOT NULL AND agent_type != ''
ORDER BY agent_type
