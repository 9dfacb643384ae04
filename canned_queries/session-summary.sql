-- Claude Code sessions that started within the last :days days (default 7, rolling, UTC),
-- newest first: project, start and end, runs, tasks, failures, tokens and subagent time,
-- and what the session spent: in all, by the main agent, by its subagents (and their
-- share), with the tasks whose cost is unknown (left out of the sums).
-- ended_at is empty while a session is open; last_event_at is its latest hook event.
-- Empty :project means all. Uses idx_sessions_started, then idx_node_exec_session.
WITH recent AS (
    SELECT s.*
    FROM sessions AS s
    WHERE s.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 7) || ' days')
      AND (ifnull(:project, '') = '' OR instr(s.project, :project) > 0)
    ORDER BY s.started_at DESC
    LIMIT 500
)
SELECT
    recent.id AS session_id,
    recent.project,
    recent.started_at,
    recent.ended_at,
    recent.end_reason,
    recent.last_event_at,
    count(DISTINCT n.run_id) AS runs,
    count(n.id) AS tasks,
    count(CASE WHEN n.status = 'completed' THEN 1 END) AS completed,
    count(CASE WHEN n.status = 'failed' OR n.outcome = 'failure' THEN 1 END) AS failures,
    count(CASE WHEN n.status IN ('cancelled', 'abandoned') THEN 1 END) AS cancelled,
    count(CASE WHEN n.status IN ('running', 'pending') THEN 1 END) AS running,
    sum(n.token_count) AS tokens,
    sum(n.duration_ms) AS duration_ms,
    group_concat(DISTINCT n.agent_type) AS agent_types,
    round(recent.cost_usd, 4) AS cost_usd,
    round(recent.main_cost_usd, 4) AS main_cost_usd,
    round(recent.subagent_cost_usd, 4) AS subagent_cost_usd,
    round(100.0 * recent.subagent_cost_usd / nullif(recent.cost_usd, 0), 1) AS subagent_cost_pct,
    recent.unpriced_nodes AS unpriced_tasks
FROM recent
LEFT JOIN node_executions AS n ON n.session_id = recent.id
GROUP BY recent.id
ORDER BY recent.started_at DESC, recent.id
LIMIT 500
