-- doctor --coverage: the node of a transcript's execution, and when the hook first saw its session.
SELECT n.recorded_by, s.hook_seen_at
FROM node_executions AS n
LEFT JOIN sessions AS s ON s.id = n.session_id
WHERE n.tool_use_id = :tool_use_id;
