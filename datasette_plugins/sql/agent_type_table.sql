-- One row per agent type over the selected range: tasks, failures, running, tokens (in
-- all and by kind), cost in USD and per successful task (all the type's spend over its
-- successes), and duration percentiles over its finished tasks (completed or failed, with a duration):
-- the median is the middle value (mean of the two middle ones), p95 the nearest rank,
-- each read from the duration histograms: the middle of the bucket holding that rank,
-- within 5% of the exact value.
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
counted AS (
    SELECT coalesce(r.agent_type, '') AS agent_type, r.status, r.outcome, r.tasks, r.tokened,
           r.token_count, r.input_tokens, r.output_tokens, r.cache_read_tokens,
           r.cache_creation_tokens, r.costed, r.cost_usd
    FROM rollup_tasks_weekly_all AS r
    WHERE :project IS NULL AND r.week >= (SELECT monday FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT coalesce(r.agent_type, '') AS agent_type, r.status, r.outcome, r.tasks, r.tokened,
           r.token_count, r.input_tokens, r.output_tokens, r.cache_read_tokens,
           r.cache_creation_tokens, r.costed, r.cost_usd
    FROM rollup_tasks_daily_all AS r
    WHERE :project IS NULL AND r.day > (SELECT day FROM edge)
      AND r.day < (SELECT monday FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT coalesce(r.agent_type, '') AS agent_type, r.status, r.outcome, r.tasks, r.tokened,
           r.token_count, r.input_tokens, r.output_tokens, r.cache_read_tokens,
           r.cache_creation_tokens, r.costed, r.cost_usd
    FROM rollup_tasks_daily AS r
    WHERE r.project = :project AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT coalesce(n.agent_type, ''), n.status, n.outcome, 1, n.token_count IS NOT NULL,
           coalesce(n.token_count, 0), coalesce(n.input_tokens, 0), coalesce(n.output_tokens, 0),
           coalesce(n.cache_read_tokens, 0), coalesce(n.cache_creation_tokens, 0),
           n.cost_usd IS NOT NULL, coalesce(n.cost_usd, 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge)
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
),
totals AS (
    SELECT
        agent_type,
        sum(tasks) AS tasks,
        coalesce(sum(CASE WHEN status = 'failed' OR (status = 'completed' AND outcome = 'failure')
                      THEN tasks END), 0) AS failed,
        coalesce(sum(CASE WHEN status IN ('completed', 'failed') THEN tasks END), 0) AS finished,
        coalesce(sum(CASE WHEN status = 'running' THEN tasks END), 0) AS running,
        CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS tokens,
        CAST(sum(token_count) AS REAL) / nullif(sum(tokened), 0) AS tokens_per_task,
        CASE WHEN sum(tokened) > 0 THEN sum(input_tokens) END AS input_tokens,
        CASE WHEN sum(tokened) > 0 THEN sum(output_tokens) END AS output_tokens,
        CASE WHEN sum(tokened) > 0 THEN sum(cache_read_tokens) END AS cache_read_tokens,
        CASE WHEN sum(tokened) > 0 THEN sum(cache_creation_tokens) END AS cache_creation_tokens,
        CASE WHEN sum(costed) > 0 THEN sum(cost_usd) END AS cost_usd,
        CASE WHEN sum(costed) > 0 THEN sum(cost_usd) END
            / nullif(sum(CASE WHEN outcome = 'success' THEN tasks END), 0) AS cost_per_success
    FROM counted
    GROUP BY agent_type
    HAVING sum(tasks) > 0
),
histogram AS (
    SELECT agent_type, bucket, sum(tasks) AS tasks
    FROM (
        SELECT coalesce(d.agent_type, '') AS agent_type, d.bucket, d.tasks
        FROM rollup_durations_weekly_all AS d
        WHERE :project IS NULL AND d.week >= (SELECT monday FROM edge)
          AND (:agent_type IS NULL OR d.agent_type = :agent_type)
        UNION ALL
        SELECT coalesce(d.agent_type, '') AS agent_type, d.bucket, d.tasks
        FROM rollup_durations_daily_all AS d
        WHERE :project IS NULL AND d.day > (SELECT day FROM edge)
          AND d.day < (SELECT monday FROM edge)
          AND (:agent_type IS NULL OR d.agent_type = :agent_type)
        UNION ALL
        SELECT coalesce(d.agent_type, '') AS agent_type, d.bucket, d.tasks
        FROM rollup_durations_daily AS d
        WHERE d.project = :project AND d.day > (SELECT day FROM edge)
          AND (:agent_type IS NULL OR d.agent_type = :agent_type)
        UNION ALL
        SELECT coalesce(n.agent_type, ''),
               (SELECT b.bucket FROM rollup_duration_buckets AS b
                WHERE b.low_ms <= max(n.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1), 1
        FROM node_executions AS n
        WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND n.started_at < (SELECT next_day FROM edge)
          AND n.duration_ms IS NOT NULL AND +n.status IN ('completed', 'failed')  -- "+": the
          -- covering idx_node_exec_started_totals_cost, not the status index and the rows
          AND (:project IS NULL OR n.project = :project)
          AND (:agent_type IS NULL OR n.agent_type = :agent_type)
    )
    GROUP BY agent_type, bucket
    HAVING sum(tasks) > 0
),
ranked AS (
    SELECT h.agent_type, b.value_ms,
           sum(h.tasks) OVER (PARTITION BY h.agent_type ORDER BY h.bucket) - h.tasks AS below,
           sum(h.tasks) OVER (PARTITION BY h.agent_type ORDER BY h.bucket) AS upto,
           sum(h.tasks) OVER (PARTITION BY h.agent_type) AS cnt
    FROM histogram AS h
    JOIN rollup_duration_buckets AS b ON b.bucket = h.bucket
),
percentiles AS (
    SELECT
        agent_type,
        (max(CASE WHEN below < (cnt + 1) / 2 AND upto >= (cnt + 1) / 2 THEN value_ms END)
         + max(CASE WHEN below < (cnt + 2) / 2 AND upto >= (cnt + 2) / 2 THEN value_ms END))
            / 2 AS median_ms,
        max(CASE WHEN below < (cnt * 95 + 99) / 100 AND upto >= (cnt * 95 + 99) / 100
                 THEN value_ms END) AS p95_ms
    FROM ranked
    GROUP BY agent_type
)
SELECT t.*, p.median_ms, p.p95_ms
FROM totals AS t
LEFT JOIN percentiles AS p ON p.agent_type = t.agent_type
ORDER BY t.tasks DESC, t.agent_type
