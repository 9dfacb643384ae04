INSERT INTO subagents (
    agent_id, session_id, agent_type, transcript_path, last_assistant_message,
    started_at, stopped_at, created_at)
VALUES (
    :agent_id, :session_id, :agent_type, :agent_transcript_path, :last_assistant_message,
    :started_at, :stopped_at, :received_at)
ON CONFLICT(agent_id) DO UPDATE SET
    agent_type = coalesce(subagents.agent_type, excluded.agent_type),
    transcript_path = coalesce(excluded.transcript_path, subagents.transcript_path),
    last_assistant_message = coalesce(excluded.last_assistant_message,
                                      subagents.last_assistant_message),
    started_at = coalesce(subagents.started_at, excluded.started_at),
    stopped_at = coalesce(excluded.stopped_at, subagents.stopped_at);
