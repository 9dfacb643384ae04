-- Per agent type (subagent_type) over tasks that started within the last :days days
-- (default 30, rolling, UTC): tasks, failures, failure rate, median and p95 duration,
-- tokens per task. Empty :project means all.
--   finished          status completed or failed (cancelled, abandoned, running left out)
--   failures          finished tasks with status failed, or completed with outcome failure
--   failure_rate_pct  failures / finished * 100 (the dashboard's definition)
--   median, p95       over tasks that ran to an end (completed or failed) with a duration;
--                     median = middle value (mean of the two middle values for an even
--                     count), p95 = nearest rank: the ceil(0.95 * n)-th smallest value
--   avg_tokens_per_task  mean token_count over tasks that report tokens
-- SQLite has no percentile function: ranks come from row_number() over the window.
-- Reads idx_node_exec_started_totals only (range on started_at; it holds every column used).
WITH tasks AS (
    SELECT
        coalesce(n.agent_type, '(none)') AS agent_type,
        n.status,
        n.outcome,
        n.duration_ms,
        n.token_count,
        n.tool_use_count,
        n.started_at
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
),
ranked AS (
    SELECT
        agent_type,
        duration_ms,
        row_number() OVER (PARTITION BY agent_type ORDER BY duration_ms) AS k,
        count(*) OVER (PARTITION BY agent_type) AS n
    FROM tasks
    WHERE duration_ms IS NOT NULL AND status IN ('completed', 'failed')
),
durations AS (
    SELECT
        agent_type,
        CAST(round(avg(CASE WHEN k IN ((n + 1) / 2, (n + 2) / 2) THEN duration_ms END))
            AS INTEGER) AS median_duration_ms,
        max(CASE WHEN k = (95 * n + 99) / 100 THEN duration_ms END) AS p95_duration_ms
    FROM ranked
    GROUP BY agent_type
),
counts AS (
    SELECT
        agent_type,
        count(*) AS tasks,
        count(CASE WHEN status = 'completed' THEN 1 END) AS completed,
        count(CASE WHEN status IN ('completed', 'failed') THEN 1 END) AS finished,
        count(CASE WHEN status = 'failed' OR (status = 'completed' AND outcome = 'failure') THEN 1 END) AS failures,
        count(CASE WHEN status IN ('cancelled', 'abandoned') THEN 1 END) AS cancelled,
        count(CASE WHEN status IN ('running', 'pending') THEN 1 END) AS running,
        sum(token_count) AS total_tokens,
        CAST(round(avg(token_count)) AS INTEGER) AS avg_tokens_per_task,
        round(avg(tool_use_count), 1) AS avg_tool_uses,
        max(started_at) AS last_started_at
    FROM tasks
    GROUP BY agent_type
)
SELECT
    c.agent_type,
    c.tasks,
    c.completed,
    c.failures,
    round(100.0 * c.failures / nullif(c.finished, 0), 1) AS failure_rate_pct,
    d.median_duration_ms,
    d.p95_duration_ms,
    c.avg_tokens_per_task,
    c.total_tokens,
    c.avg_tool_uses,
    c.cancelled,
    c.running,
    c.last_started_at
FROM counts AS c
LEFT JOIN durations AS d ON d.agent_type = c.agent_type
ORDER BY c.tasks DESC, c.agent_type
LIMIT 200
