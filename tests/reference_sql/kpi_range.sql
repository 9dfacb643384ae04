-- Totals over the selected time range: tasks, failures, tokens, cost (finished tasks
-- without a cost count as unpriced) and duration percentiles.
-- Failure rate = failed / finished: finished = completed or failed; failed = status failed,
-- or completed with outcome failure (cancelled, abandoned, running left out; the same
-- definition as agent_type_table.sql and the canned queries). Percentiles are over finished
-- tasks with a duration: the median is the middle value (mean of the two middle ones),
-- p95 the nearest-rank value.
WITH filtered AS MATERIALIZED (
    SELECT n.status, n.outcome, n.duration_ms, n.token_count, n.cost_usd
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
),
ranked AS (
    SELECT duration_ms,
           row_number() OVER (ORDER BY duration_ms) AS rn,
           count(*) OVER () AS cnt
    FROM filtered
    WHERE duration_ms IS NOT NULL AND status IN ('completed', 'failed')
),
totals AS (
    SELECT
        count(*) AS tasks,
        coalesce(sum(status = 'failed' OR (status = 'completed' AND outcome = 'failure')), 0) AS failed,
        coalesce(sum(status IN ('completed', 'failed')), 0) AS finished,
        coalesce(sum(status = 'running'), 0) AS running,
        sum(token_count) AS tokens,
        avg(token_count) AS tokens_per_task,
        sum(cost_usd) AS cost_usd,
        coalesce(sum(outcome = 'success'), 0) AS successes,
        coalesce(sum(cost_usd IS NULL AND status NOT IN ('running', 'pending')), 0)
            AS unpriced
    FROM filtered
)
SELECT
    totals.*,
    (SELECT avg(duration_ms) FROM ranked WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2))
        AS median_ms,
    (SELECT duration_ms FROM ranked WHERE rn = (cnt * 95 + 99) / 100) AS p95_ms
FROM totals
