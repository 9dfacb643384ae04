-- Per UTC day over the last :days days (default 30, today included): runs, tasks by
-- status, failures, tokens and subagent time. Days without activity show zeros, so the
-- result charts as a continuous series. Empty :project / :agent_type mean all.
-- Reads idx_node_exec_started_totals only (range from the first day's midnight, UTC).
WITH RECURSIVE
span(first_day) AS (
    SELECT date('now', '-' || (
        max(1, min(CAST(coalesce(nullif(trim(:days), ''), 30) AS INTEGER), 3660)) - 1
    ) || ' days')
),
days(day) AS (
    SELECT date('now')
    UNION ALL
    SELECT date(day, '-1 day') FROM days, span WHERE day > span.first_day
),
tasks AS (
    SELECT
        substr(n.started_at, 1, 10) AS day,
        count(DISTINCT n.run_id) AS runs,
        count(*) AS tasks,
        count(CASE WHEN n.status = 'completed' THEN 1 END) AS completed,
        count(CASE WHEN n.status = 'failed' THEN 1 END) AS failed,
        count(CASE WHEN n.status = 'cancelled' THEN 1 END) AS cancelled,
        count(CASE WHEN n.status = 'abandoned' THEN 1 END) AS abandoned,
        count(CASE WHEN n.status IN ('running', 'pending') THEN 1 END) AS running,
        count(CASE WHEN n.status = 'failed' OR n.outcome = 'failure' THEN 1 END) AS failures,
        sum(n.token_count) AS tokens,
        sum(n.duration_ms) AS duration_ms
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT first_day FROM span)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
    GROUP BY substr(n.started_at, 1, 10)
)
SELECT
    days.day,
    ifnull(t.runs, 0) AS runs,
    ifnull(t.tasks, 0) AS tasks,
    ifnull(t.completed, 0) AS completed,
    ifnull(t.failed, 0) AS failed,
    ifnull(t.cancelled, 0) AS cancelled,
    ifnull(t.abandoned, 0) AS abandoned,
    ifnull(t.running, 0) AS running,
    ifnull(t.failures, 0) AS failures,
    ifnull(t.tokens, 0) AS tokens,
    ifnull(t.duration_ms, 0) AS duration_ms
FROM days
LEFT JOIN tasks AS t ON t.day = days.day
ORDER BY days.day DESC
LIMIT 3660
