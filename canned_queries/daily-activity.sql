-- Per UTC day over the last :days days (default 30, today included): runs, tasks by
-- status, failures, tokens and subagent time. Days without activity show zeros, so the
-- result charts as a continuous series. Empty :project / :agent_type mean all.
-- Whole UTC days: the counts, tokens and time come from rollup_tasks_daily(_all); the distinct
-- runs from idx_node_exec_started_totals_cost (range from the first day's midnight, UTC).
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
runs AS (
    SELECT substr(n.started_at, 1, 10) AS day, count(DISTINCT n.run_id) AS runs
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT first_day FROM span)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
    GROUP BY substr(n.started_at, 1, 10)
),
tasks AS (
    SELECT
        rolled.day,
        sum(rolled.tasks) AS tasks,
        sum(CASE WHEN rolled.status = 'completed' THEN rolled.tasks END) AS completed,
        sum(CASE WHEN rolled.status = 'failed' THEN rolled.tasks END) AS failed,
        sum(CASE WHEN rolled.status = 'cancelled' THEN rolled.tasks END) AS cancelled,
        sum(CASE WHEN rolled.status = 'abandoned' THEN rolled.tasks END) AS abandoned,
        sum(CASE WHEN rolled.status IN ('running', 'pending') THEN rolled.tasks END) AS running,
        sum(CASE WHEN rolled.status = 'failed' OR rolled.outcome = 'failure' THEN rolled.tasks END)
            AS failures,
        sum(rolled.token_count) AS tokens,
        sum(rolled.duration_ms) AS duration_ms
    FROM (
        SELECT a.day, a.agent_type, a.status, a.outcome, a.tasks, a.token_count, a.duration_ms
        FROM rollup_tasks_daily_all AS a
        WHERE ifnull(:project, '') = '' AND a.day >= (SELECT first_day FROM span)
        UNION ALL
        SELECT p.day, p.agent_type, p.status, p.outcome, p.tasks, p.token_count, p.duration_ms
        FROM rollup_tasks_daily AS p
        WHERE ifnull(:project, '') <> '' AND p.day >= (SELECT first_day FROM span)
          AND instr(p.project, :project) > 0
    ) AS rolled
    WHERE ifnull(:agent_type, '') = '' OR rolled.agent_type = :agent_type
    GROUP BY rolled.day
)
SELECT
    days.day,
    ifnull(u.runs, 0) AS runs,
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
LEFT JOIN runs AS u ON u.day = days.day
ORDER BY days.day DESC
LIMIT 3660
