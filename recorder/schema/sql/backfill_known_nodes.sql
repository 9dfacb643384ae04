-- What the database already knows of the executions a backfill is about to record.
SELECT tool_use_id, tool_name, session_id, project, agent_id, status, started_at,
       duration_ms, agent_transcript_path
FROM node_executions
WHERE tool_use_id IN (SELECT value FROM json_each(:tool_use_ids));
