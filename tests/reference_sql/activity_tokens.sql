-- Tokens by kind per time bucket over the selected range (the token chart).
-- :bucket as in activity.sql. other_tokens: what token_count holds beyond the four kinds
-- (a task whose source gave only a total). Reads idx_node_exec_started_tokens only.
SELECT
    CASE :bucket
        WHEN 'week' THEN date(n.started_at, '-6 days', 'weekday 1')
        WHEN 'hour' THEN substr(n.started_at, 1, 13) || ':00'
        ELSE substr(n.started_at, 1, 10) END AS bucket,
    coalesce(sum(n.input_tokens), 0) AS input_tokens,
    coalesce(sum(n.output_tokens), 0) AS output_tokens,
    coalesce(sum(n.cache_read_tokens), 0) AS cache_read_tokens,
    coalesce(sum(n.cache_creation_tokens), 0) AS cache_creation_tokens,
    coalesce(sum(max(coalesce(n.token_count, 0)
        - coalesce(n.input_tokens, 0) - coalesce(n.output_tokens, 0)
        - coalesce(n.cache_read_tokens, 0) - coalesce(n.cache_creation_tokens, 0), 0)), 0)
        AS other_tokens
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= :since
  AND (:project IS NULL OR n.project = :project)
  AND (:agent_type IS NULL OR n.agent_type = :agent_type)
GROUP BY bucket
ORDER BY bucket
