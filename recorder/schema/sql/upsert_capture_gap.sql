-- doctor --coverage: an execution the hook never saw, and why (the latest check wins).
INSERT INTO capture_gaps (
    tool_use_id, session_id, started_at, description, agent_type, reason, transcript_path,
    checked_at)
VALUES (
    :tool_use_id, :session_id, :started_at, :description, :agent_type, :reason,
    :transcript_path, :checked_at)
ON CONFLICT(tool_use_id) DO UPDATE SET
    reason = excluded.reason,
    checked_at = excluded.checked_at;
