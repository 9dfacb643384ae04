-- Finished nodes of a session with a subagent whose transcript was not complete when last
-- read (the columns that find the transcript; the partial index on usage_complete = 0).
SELECT id, tool_use_id, agent_id, session_id, agent_transcript_path
FROM node_executions
WHERE session_id = :session_id AND usage_complete = 0 AND agent_id <> ''
  AND status IN ('completed', 'failed', 'cancelled', 'abandoned');
