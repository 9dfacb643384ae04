-- Per project (the working directory Claude Code ran in) over tasks that started within
-- the last :days days (default 30, rolling, UTC): sessions and runs with subagent tasks,
-- tasks, failures, failure rate (failures / finished tasks: finished = completed or failed,
-- failures = failed, or completed with outcome failure; the dashboard's definition),
-- tokens and subagent time,
-- busiest first.
-- Whole days come from rollup_tasks_daily, the rest of the first day from the rows; the
-- sessions and runs from rollup_project_runs (those whose latest task started in the
-- range), the first start from idx_node_exec_project.
WITH edge AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
bounds AS (
    SELECT since, substr(since, 1, 10) AS day, date(substr(since, 1, 10), '+1 day') AS next_day
    FROM edge
),
counted AS (
    SELECT r.project, r.agent_type, r.status, r.outcome, r.tasks, r.tokened, r.token_count,
           r.timed, r.duration_ms
    FROM rollup_tasks_daily AS r
    WHERE r.day > (SELECT day FROM bounds)
    UNION ALL
    SELECT n.project, n.agent_type, n.status, n.outcome, 1, n.token_count IS NOT NULL,
           coalesce(n.token_count, 0), n.duration_ms IS NOT NULL, coalesce(n.duration_ms, 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM bounds)
      AND n.started_at < (SELECT next_day FROM bounds)
),
totals AS (
    SELECT
        coalesce(project, '(unknown)') AS project,
        sum(tasks) AS tasks,
        sum(CASE WHEN status = 'completed' THEN tasks ELSE 0 END) AS completed,
        sum(CASE WHEN status = 'failed' OR (status = 'completed' AND outcome = 'failure')
                 THEN tasks ELSE 0 END) AS failures,
        sum(CASE WHEN status IN ('completed', 'failed') THEN tasks ELSE 0 END) AS finished,
        sum(CASE WHEN status IN ('running', 'pending') THEN tasks ELSE 0 END) AS running,
        CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS tokens,
        CAST(round(CAST(sum(token_count) AS REAL) / nullif(sum(tokened), 0)) AS INTEGER)
            AS avg_tokens_per_task,
        CASE WHEN sum(timed) > 0 THEN sum(duration_ms) END AS duration_ms,
        count(DISTINCT agent_type) AS agent_types
    FROM counted
    GROUP BY coalesce(project, '(unknown)')
),
active AS (
    SELECT
        coalesce(a.project, '(unknown)') AS project,
        count(DISTINCT a.session_id) AS sessions,
        count(DISTINCT a.run_id) AS runs,
        max(a.last_started_at) AS last_started_at
    FROM rollup_project_runs AS a
    WHERE a.last_started_at >= (SELECT since FROM bounds)
    GROUP BY coalesce(a.project, '(unknown)')
)
SELECT
    p.project,
    a.sessions,
    a.runs,
    p.tasks,
    p.completed,
    p.failures,
    round(100.0 * p.failures / nullif(p.finished, 0), 1) AS failure_rate_pct,
    p.running,
    p.tokens,
    p.avg_tokens_per_task,
    p.duration_ms,
    p.agent_types,
    (SELECT min(first) FROM (  -- the project's (or, for '(unknown)', no project's) first
        SELECT (SELECT n.started_at FROM node_executions AS n INDEXED BY idx_node_exec_project
                WHERE n.project = p.project AND n.started_at >= (SELECT since FROM bounds)
                  AND n.duplicate_of IS NULL
                ORDER BY n.started_at LIMIT 1) AS first
        UNION ALL
        SELECT (SELECT n.started_at FROM node_executions AS n INDEXED BY idx_node_exec_project
                WHERE p.project = '(unknown)' AND n.project IS NULL
                  AND n.started_at >= (SELECT since FROM bounds) AND n.duplicate_of IS NULL
                ORDER BY n.started_at LIMIT 1))) AS first_started_at,
    a.last_started_at
FROM totals AS p
JOIN active AS a ON a.project = p.project
ORDER BY p.tasks DESC, p.project
LIMIT 500
