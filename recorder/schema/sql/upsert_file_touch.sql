-- One file tool call of a subagent; PreToolUse and PostToolUse of the call merge into one row.
INSERT INTO file_touches (
    id, tool_use_id, session_id, agent_id, agent_type, node_id, run_id, project, tool_name,
    file_path, access, touched_at, completed_at, created_at)
VALUES (
    (SELECT id FROM derived_rows WHERE tbl = 'file_touches' AND key = :tool_use_id),
    :tool_use_id, :session_id, :agent_id, :agent_type, :node_id, :run_id, :cwd, :tool_name,
    :file_path, :access, :received_at, :completed_at, :received_at)
ON CONFLICT(tool_use_id) DO UPDATE SET
    agent_type = coalesce(file_touches.agent_type, excluded.agent_type),
    node_id = coalesce(file_touches.node_id, excluded.node_id),
    run_id = coalesce(file_touches.run_id, excluded.run_id),
    file_path = coalesce(file_touches.file_path, excluded.file_path),
    touched_at = min(file_touches.touched_at, excluded.touched_at),
    completed_at = coalesce(file_touches.completed_at, excluded.completed_at);
