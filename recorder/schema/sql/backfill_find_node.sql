-- The subagent execution a task notification refers to (by tool_use_id or agent id).
SELECT tool_use_id, tool_name, session_id, project, agent_id, status, started_at,
       duration_ms, agent_transcript_path
FROM node_executions
WHERE tool_use_id = :tool_use_id
   OR (:agent_id IS NOT NULL AND agent_id = :agent_id)
ORDER BY tool_use_id = :tool_use_id DESC, id DESC
LIMIT 1;
