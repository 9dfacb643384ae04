-- Totals over the selected time range: tasks, failures, tokens, cost (USD; tasks that ended
-- in any way (not running) without a cost, their model unpriced or their transcript unread,
-- count as unpriced) and duration percentiles.
-- Failure rate = failures / finished: finished = completed or failed, a failure = failed,
-- or completed with outcome failure (cancelled, abandoned and running left out).
-- Percentiles are over finished tasks with a duration: the median is the middle value
-- (mean of the two middle ones), p95 the nearest-rank value, each read from the duration histograms: the middle of the
-- bucket holding that rank, within 5% of the exact value.
-- Whole days after :since's day come from the rollups (rollup_tasks_daily,
-- rollup_durations_daily; their _all twins when no project is chosen); the rest of
-- :since's own day from the rows (idx_node_exec_started).
-- With all projects, the whole weeks from the first Monday after the first day come from
-- the weekly twins (rollup_tasks_weekly_all, rollup_durations_weekly_all), the days
-- before that Monday from the daily ones.
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day,
           date(substr(:since, 1, 10), '+1 day', 'weekday 1') AS monday
),
totals AS (
    SELECT r.status, r.outcome, r.tasks, r.tokened, r.token_count, r.costed, r.cost_usd
    FROM rollup_tasks_weekly_all AS r
    WHERE :project IS NULL AND r.week >= (SELECT monday FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.status, r.outcome, r.tasks, r.tokened, r.token_count, r.costed, r.cost_usd
    FROM rollup_tasks_daily_all AS r
    WHERE :project IS NULL AND r.day > (SELECT day FROM edge)
      AND r.day < (SELECT monday FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.status, r.outcome, r.tasks, r.tokened, r.token_count, r.costed, r.cost_usd
    FROM rollup_tasks_daily AS r
    WHERE r.project = :project AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT n.status, n.outcome, 1, n.token_count IS NOT NULL, coalesce(n.token_count, 0),
           n.cost_usd IS NOT NULL, coalesce(n.cost_usd, 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge)
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
),
histogram AS (
    SELECT bucket, sum(tasks) AS tasks
    FROM (
        SELECT d.bucket, d.tasks
        FROM rollup_durations_weekly_all AS d
        WHERE :project IS NULL AND d.week >= (SELECT monday FROM edge)
          AND (:agent_type IS NULL OR d.agent_type = :agent_type)
        UNION ALL
        SELECT d.bucket, d.tasks
        FROM rollup_durations_daily_all AS d
        WHERE :project IS NULL AND d.day > (SELECT day FROM edge)
          AND d.day < (SELECT monday FROM edge)
          AND (:agent_type IS NULL OR d.agent_type = :agent_type)
        UNION ALL
        SELECT d.bucket, d.tasks
        FROM rollup_durations_daily AS d
        WHERE d.project = :project AND d.day > (SELECT day FROM edge)
          AND (:agent_type IS NULL OR d.agent_type = :agent_type)
        UNION ALL
        SELECT (SELECT b.bucket FROM rollup_duration_buckets AS b
                WHERE b.low_ms <= max(n.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1), 1
        FROM node_executions AS n
        WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge)
          AND n.duration_ms IS NOT NULL AND +n.status IN ('completed', 'failed')  -- "+": the
          -- covering idx_node_exec_started_totals_cost, not the status index and the rows
          AND (:project IS NULL OR n.project = :project)
          AND (:agent_type IS NULL OR n.agent_type = :agent_type)
    )
    GROUP BY bucket
),
ranked AS (
    SELECT b.value_ms,
           sum(h.tasks) OVER (ORDER BY h.bucket) - h.tasks AS below,
           sum(h.tasks) OVER (ORDER BY h.bucket) AS upto,
           sum(h.tasks) OVER () AS cnt
    FROM histogram AS h
    JOIN rollup_duration_buckets AS b ON b.bucket = h.bucket
    WHERE h.tasks > 0
)
SELECT
    coalesce(sum(tasks), 0) AS tasks,
    coalesce(sum(CASE WHEN status = 'failed' OR (status = 'completed' AND outcome = 'failure')
                      THEN tasks END), 0) AS failed,
    coalesce(sum(CASE WHEN status IN ('completed', 'failed') THEN tasks END), 0) AS finished,
    coalesce(sum(CASE WHEN status = 'running' THEN tasks END), 0) AS running,
    CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS tokens,
    CAST(sum(token_count) AS REAL) / nullif(sum(tokened), 0) AS tokens_per_task,
    CASE WHEN sum(costed) > 0 THEN sum(cost_usd) END AS cost_usd,
    coalesce(sum(CASE WHEN outcome = 'success' THEN tasks END), 0) AS successes,
    coalesce(sum(CASE WHEN status NOT IN ('running', 'pending') THEN tasks - costed END), 0)
        AS unpriced,
    (SELECT (max(CASE WHEN below < (cnt + 1) / 2 AND upto >= (cnt + 1) / 2 THEN value_ms END)
           + max(CASE WHEN below < (cnt + 2) / 2 AND upto >= (cnt + 2) / 2 THEN value_ms END)) / 2
     FROM ranked) AS median_ms,
    (SELECT value_ms FROM ranked
     WHERE below < (cnt * 95 + 99) / 100 AND upto >= (cnt * 95 + 99) / 100) AS p95_ms
FROM totals
