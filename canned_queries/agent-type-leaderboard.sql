-- Per agent type (subagent_type) over tasks that started within the last :days days
-- (default 30, rolling, UTC): tasks, failures, failure rate, median and p95 duration,
-- tokens per task. Empty :project means all.
--   finished          status completed or failed (cancelled, abandoned, running left out)
--   failures          finished tasks with status failed, or completed with outcome failure
--   failure_rate_pct  failures / finished * 100 (the dashboard's definition)
--   median, p95       over tasks that ran to an end (completed or failed) with a duration;
--                     median = middle value (mean of the two middle values for an even
--                     count), p95 = nearest rank: the ceil(0.95 * n)-th smallest value;
--                     read from duration histograms with fixed log buckets (each at most
--                     10% wide): within 5% of the exact value
--   avg_tokens_per_task  mean token_count over tasks that report tokens
-- Whole days come from the rollups (rollup_tasks_daily, rollup_durations_daily; their _all
-- twins when :project is empty), the rest
-- of the first day from the rows; last_started_at from idx_node_exec_agent_type.
-- With all projects, the whole weeks from the first Monday after the first day come from
-- the weekly twins (rollup_tasks_weekly_all, rollup_durations_weekly_all), the days
-- before that Monday from the daily ones.
WITH edge AS (
    SELECT
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                 '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
bounds AS (
    SELECT since, substr(since, 1, 10) AS day, date(substr(since, 1, 10), '+1 day') AS next_day,
           date(substr(since, 1, 10), '+1 day', 'weekday 1') AS monday
    FROM edge
),
counted AS (
    SELECT coalesce(r.agent_type, '(none)') AS agent_type, r.agent_type AS raw_type,
           r.status, r.outcome, r.tasks, r.tokened, r.token_count, r.tool_used,
           r.tool_use_count
    FROM rollup_tasks_weekly_all AS r
    WHERE ifnull(:project, '') = '' AND r.week >= (SELECT monday FROM bounds)
    UNION ALL
    SELECT coalesce(r.agent_type, '(none)') AS agent_type, r.agent_type AS raw_type,
           r.status, r.outcome, r.tasks, r.tokened, r.token_count, r.tool_used,
           r.tool_use_count
    FROM rollup_tasks_daily_all AS r
    WHERE ifnull(:project, '') = '' AND r.day > (SELECT day FROM bounds)
      AND r.day < (SELECT monday FROM bounds)
    UNION ALL
    SELECT coalesce(r.agent_type, '(none)'), r.agent_type, r.status, r.outcome, r.tasks,
           r.tokened, r.token_count, r.tool_used, r.tool_use_count
    FROM rollup_tasks_daily AS r
    WHERE ifnull(:project, '') <> '' AND r.day > (SELECT day FROM bounds)
      AND instr(r.project, :project) > 0
    UNION ALL
    SELECT coalesce(n.agent_type, '(none)'), n.agent_type, n.status, n.outcome, 1,
           n.token_count IS NOT NULL, coalesce(n.token_count, 0),
           n.tool_use_count IS NOT NULL, coalesce(n.tool_use_count, 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM bounds)
      AND n.started_at < (SELECT next_day FROM bounds)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
),
counts AS (
    SELECT
        agent_type,
        max(raw_type) AS raw_type,
        sum(tasks) AS tasks,
        coalesce(sum(CASE WHEN status = 'completed' THEN tasks END), 0) AS completed,
        coalesce(sum(CASE WHEN status IN ('completed', 'failed') THEN tasks END), 0) AS finished,
        coalesce(sum(CASE WHEN status = 'failed' OR (status = 'completed' AND outcome = 'failure')
                          THEN tasks END), 0) AS failures,
        coalesce(sum(CASE WHEN status IN ('cancelled', 'abandoned') THEN tasks END), 0)
            AS cancelled,
        coalesce(sum(CASE WHEN status IN ('running', 'pending') THEN tasks END), 0) AS running,
        CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS total_tokens,
        CAST(round(CAST(sum(token_count) AS REAL) / nullif(sum(tokened), 0)) AS INTEGER)
            AS avg_tokens_per_task,
        round(CAST(sum(tool_use_count) AS REAL) / nullif(sum(tool_used), 0), 1)
            AS avg_tool_uses
    FROM counted
    GROUP BY agent_type
    HAVING sum(tasks) > 0
),
histogram AS (
    SELECT agent_type, bucket, sum(tasks) AS tasks
    FROM (
        SELECT coalesce(d.agent_type, '(none)') AS agent_type, d.bucket, d.tasks
        FROM rollup_durations_weekly_all AS d
        WHERE ifnull(:project, '') = '' AND d.week >= (SELECT monday FROM bounds)
        UNION ALL
        SELECT coalesce(d.agent_type, '(none)') AS agent_type, d.bucket, d.tasks
        FROM rollup_durations_daily_all AS d
        WHERE ifnull(:project, '') = '' AND d.day > (SELECT day FROM bounds)
          AND d.day < (SELECT monday FROM bounds)
        UNION ALL
        SELECT coalesce(d.agent_type, '(none)'), d.bucket, d.tasks
        FROM rollup_durations_daily AS d
        WHERE ifnull(:project, '') <> '' AND d.day > (SELECT day FROM bounds)
          AND instr(d.project, :project) > 0
        UNION ALL
        SELECT coalesce(n.agent_type, '(none)'),
               (SELECT b.bucket FROM rollup_duration_buckets AS b
                WHERE b.low_ms <= max(n.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1), 1
        FROM node_executions AS n
        WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM bounds)
          AND n.started_at < (SELECT next_day FROM bounds)
          AND n.duration_ms IS NOT NULL AND +n.status IN ('completed', 'failed')  -- "+": the
          -- covering idx_node_exec_started_totals_cost, not the status index and the rows
          AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
    )
    GROUP BY agent_type, bucket
    HAVING sum(tasks) > 0
),
ranked AS (
    SELECT h.agent_type, b.value_ms,
           sum(h.tasks) OVER (PARTITION BY h.agent_type ORDER BY h.bucket) - h.tasks AS below,
           sum(h.tasks) OVER (PARTITION BY h.agent_type ORDER BY h.bucket) AS upto,
           sum(h.tasks) OVER (PARTITION BY h.agent_type) AS n
    FROM histogram AS h
    JOIN rollup_duration_buckets AS b ON b.bucket = h.bucket
),
durations AS (
    SELECT
        agent_type,
        CAST(round(
            (max(CASE WHEN below < (n + 1) / 2 AND upto >= (n + 1) / 2 THEN value_ms END)
             + max(CASE WHEN below < (n + 2) / 2 AND upto >= (n + 2) / 2 THEN value_ms END))
            / 2) AS INTEGER) AS median_duration_ms,
        CAST(round(max(CASE WHEN below < (95 * n + 99) / 100 AND upto >= (95 * n + 99) / 100
                            THEN value_ms END)) AS INTEGER) AS p95_duration_ms
    FROM ranked
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
    (SELECT max(n.started_at) FROM node_executions AS n
     WHERE n.agent_type IS c.raw_type AND n.started_at >= (SELECT since FROM bounds)
       AND n.duplicate_of IS NULL
       AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)) AS last_started_at
FROM counts AS c
LEFT JOIN durations AS d ON d.agent_type = c.agent_type
ORDER BY c.tasks DESC, c.agent_type
LIMIT 200
