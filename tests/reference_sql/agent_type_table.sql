-- One row per agent type over the selected range: tasks, failures, running, tokens (in
-- all and, over the tasks that report tokens, by kind), cost and cost per successful task,
-- and
-- (failure rate = failed / finished, as in kpi_range.sql: finished = completed or failed,
-- failed = status failed or completed with outcome failure)
-- duration percentiles over its finished tasks (completed or failed, with a duration):
-- the median is the middle value (mean of the two middle ones), p95 the nearest rank.
-- One window pass numbers each type's timed tasks by duration; the outer query
-- aggregates and picks the ranks.
WITH ranked AS (
    SELECT
        coalesce(n.agent_type, '') AS agent_type,
        n.status,
        n.outcome,
        n.duration_ms,
        n.token_count,
        n.input_tokens,
        n.output_tokens,
        n.cache_read_tokens,
        n.cache_creation_tokens,
        n.cost_usd,
        n.status IN ('completed', 'failed') AND n.duration_ms IS NOT NULL AS timed,
        row_number() OVER (
            PARTITION BY coalesce(n.agent_type, ''),
                         n.status IN ('completed', 'failed') AND n.duration_ms IS NOT NULL
            ORDER BY n.duration_ms) AS rn,
        sum(n.status IN ('completed', 'failed') AND n.duration_ms IS NOT NULL)
            OVER (PARTITION BY coalesce(n.agent_type, '')) AS cnt
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
)
SELECT
    agent_type,
    count(*) AS tasks,
    coalesce(sum(status = 'failed' OR (status = 'completed' AND outcome = 'failure')), 0) AS failed,
    coalesce(sum(status IN ('completed', 'failed')), 0) AS finished,
    coalesce(sum(status = 'running'), 0) AS running,
    sum(token_count) AS tokens,
    avg(token_count) AS tokens_per_task,
    CASE WHEN count(token_count) > 0 THEN coalesce(sum(input_tokens), 0) END AS input_tokens,
    CASE WHEN count(token_count) > 0 THEN coalesce(sum(output_tokens), 0) END AS output_tokens,
    CASE WHEN count(token_count) > 0 THEN coalesce(sum(cache_read_tokens), 0) END
        AS cache_read_tokens,
    CASE WHEN count(token_count) > 0 THEN coalesce(sum(cache_creation_tokens), 0) END
        AS cache_creation_tokens,
    sum(cost_usd) AS cost_usd,
    sum(cost_usd) / nullif(sum(outcome = 'success'), 0) AS cost_per_success,
    avg(CASE WHEN timed AND rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN duration_ms END)
        AS median_ms,
    max(CASE WHEN timed AND rn = (cnt * 95 + 99) / 100 THEN duration_ms END) AS p95_ms
FROM ranked
GROUP BY agent_type
ORDER BY tasks DESC, agent_type
