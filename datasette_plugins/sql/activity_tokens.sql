-- Tokens by kind per time bucket over the selected range (the tokens chart); other_tokens
-- is what token_count holds beyond the four kinds. :bucket as in activity.sql: 'hour'
-- from the rows; for 'day' and 'week', whole days after :since's day come from the
-- rollups (rollup_tasks_daily_all; rollup_tasks_daily for one project) and the rest of
-- :since's own day from the rows (idx_node_exec_started_tokens).
WITH edge AS (
    SELECT substr(:since, 1, 10) AS day, date(substr(:since, 1, 10), '+1 day') AS next_day
),
counted AS (
    SELECT r.day AS at, r.input_tokens, r.output_tokens, r.cache_read_tokens,
           r.cache_creation_tokens, r.other_tokens
    FROM rollup_tasks_daily_all AS r
    WHERE :project IS NULL AND :bucket <> 'hour' AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.day AS at, r.input_tokens, r.output_tokens, r.cache_read_tokens,
           r.cache_creation_tokens, r.other_tokens
    FROM rollup_tasks_daily AS r
    WHERE r.project = :project AND :bucket <> 'hour' AND r.day > (SELECT day FROM edge)
      AND (:agent_type IS NULL OR r.agent_type = :agent_type)
    UNION ALL
    SELECT
        CASE WHEN :bucket = 'hour' THEN substr(n.started_at, 1, 13) || ':00'
             ELSE substr(n.started_at, 1, 10) END,
        coalesce(n.input_tokens, 0), coalesce(n.output_tokens, 0),
        coalesce(n.cache_read_tokens, 0), coalesce(n.cache_creation_tokens, 0),
        max(coalesce(n.token_count, 0) - coalesce(n.input_tokens, 0)
            - coalesce(n.output_tokens, 0) - coalesce(n.cache_read_tokens, 0)
            - coalesce(n.cache_creation_tokens, 0), 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= :since
      AND (:bucket = 'hour' OR n.started_at < (SELECT next_day FROM edge))
      AND (:project IS NULL OR n.project = :project)
      AND (:agent_type IS NULL OR n.agent_type = :agent_type)
)
SELECT
    CASE WHEN :bucket = 'week' THEN date(at, '-6 days', 'weekday 1') ELSE at END AS bucket,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_creation_tokens) AS cache_creation_tokens,
    sum(other_tokens) AS other_tokens
FROM counted
GROUP BY 1
ORDER BY 1
