-- USD cost per day (UTC) and model of the subagent tasks that started within the last
-- :days days (default 30), newest day first; a node's model is the one that served its
-- last API response. Empty :project means all.
SELECT
    substr(n.started_at, 1, 10) AS day,
    coalesce(n.model, '(unknown)') AS model,
    count(*) AS tasks,
    round(sum(n.cost_usd), 4) AS cost_usd,
    sum(n.cost_usd IS NULL AND n.status NOT IN ('running', 'pending')) AS unpriced_tasks,
    sum(n.token_count) AS token_count,
    sum(n.api_calls) AS api_calls
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
GROUP BY day, coalesce(n.model, '(unknown)')
ORDER BY day DESC, sum(n.cost_usd) DESC NULLS LAST, model
LIMIT 1000
