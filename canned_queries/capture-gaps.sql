-- Subagent executions the hook never saw, within the last :days days (default 30,
-- rolling, UTC), newest first: tasks first recorded by backfill (recorded_by =
-- 'backfill') and executions `agent-runs doctor --coverage` found in transcripts and
-- nobody recorded (capture_gaps). reason: what doctor --coverage found (hook not
-- installed, hook failing, dead-lettered); without it, "hook not installed" when the hook
-- recorded nothing in that session until after the execution started, else unknown.
-- Uses idx_node_exec_not_by_hook and idx_capture_gaps_started.
WITH since AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS at
),
missed AS (
    SELECT n.id AS node_execution_id, n.tool_use_id, n.session_id, n.started_at,
           n.node_name AS description, n.agent_type, n.recorded_by, n.project
    FROM node_executions AS n, since
    WHERE n.recorded_by <> 'hook' AND n.started_at >= since.at AND n.duplicate_of IS NULL
    UNION ALL
    SELECT NULL, g.tool_use_id, g.session_id, g.started_at, g.description, g.agent_type,
           'nobody', NULL
    FROM capture_gaps AS g, since
    WHERE g.started_at >= since.at
      AND NOT EXISTS (SELECT 1 FROM node_executions AS n WHERE n.tool_use_id = g.tool_use_id)
)
SELECT
    substr(m.started_at, 1, 10) AS day,
    m.started_at,
    m.description,
    m.agent_type,
    m.recorded_by,
    coalesce(g.reason, CASE
        WHEN s.hook_seen_at IS NULL OR s.hook_seen_at > m.started_at THEN 'hook not installed'
        ELSE 'unknown' END) AS reason,
    m.node_execution_id,
    m.tool_use_id,
    m.session_id,
    m.project
FROM missed AS m
LEFT JOIN capture_gaps AS g ON g.tool_use_id = m.tool_use_id
LEFT JOIN sessions AS s ON s.id = m.session_id
ORDER BY m.started_at DESC
LIMIT 500
