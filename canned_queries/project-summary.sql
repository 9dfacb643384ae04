-- Per project (the working directory Claude Code ran in) over tasks that started within
-- the last :days days (default 30, rolling, UTC): sessions and runs with subagent tasks,
-- tasks, failures, failure rate (failures / finished tasks: finished = completed or failed,
-- failures = failed, or completed with outcome failure; the dashboard's definition),
-- tokens and subagent time,
-- busiest first. Reads idx_node_exec_started_totals_cost only.
SELECT
    coalesce(n.project, '(unknown)') AS project,
    count(DISTINCT n.session_id) AS sessions,
    count(DISTINCT n.run_id) AS runs,
    count(*) AS tasks,
    count(CASE WHEN n.status = 'completed' THEN 1 END) AS completed,
    count(CASE WHEN n.status = 'failed' OR (n.status = 'completed' AND n.outcome = 'failure') THEN 1 END) AS failures,
    round(100.0 * count(CASE WHEN n.status = 'failed' OR (n.status = 'completed' AND n.outcome = 'failure') THEN 1 END)
        / nullif(count(CASE WHEN n.status IN ('completed', 'failed') THEN 1 END), 0), 1)
        AS failure_rate_pct,
    count(CASE WHEN n.status IN ('running', 'pending') THEN 1 END) AS running,
    sum(n.token_count) AS tokens,
    CAST(round(avg(n.token_count)) AS INTEGER) AS avg_tokens_per_task,
    sum(n.duration_ms) AS duration_ms,
    count(DISTINCT n.agent_type) AS agent_types,
    min(n.started_at) AS first_started_at,
    max(n.started_at) AS last_started_at
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
GROUP BY coalesce(n.project, '(unknown)')
ORDER BY tasks DESC, project
LIMIT 500
