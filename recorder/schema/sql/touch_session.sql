-- Create the session on its first event; later events fill gaps and move last_event_at.
INSERT INTO sessions (
    id, project, transcript_path, permission_mode, started_at, last_event_at, created_at)
VALUES (
    :session_id, :cwd, :transcript_path, :permission_mode, :received_at, :received_at,
    :received_at)
ON CONFLICT(id) DO UPDATE SET
    project = coalesce(sessions.project, excluded.project),
    transcript_path = coalesce(sessions.transcript_path, excluded.transcript_path),
    permission_mode = coalesce(excluded.permission_mode, sessions.permission_mode),
    started_at = CASE
        WHEN sessions.started_at IS NULL OR excluded.started_at < sessions.started_at
        THEN excluded.started_at ELSE sessions.started_at END,
    last_event_at = CASE
        WHEN sessions.last_event_at IS NULL OR excluded.last_event_at > sessions.last_event_at
        THEN excluded.last_event_at ELSE sessions.last_event_at END;
