-- For each agent type, over the tasks that started within the last :days days (default
-- 30, rolling, UTC): what they cost in USD, their tokens by kind and API calls, and the
-- cost per successful task (all the type's spend, failures included, divided by the tasks
-- that succeeded). Tasks whose model has no price are counted in unpriced_tasks and left
-- out of the cost. Empty :project means all.
SELECT
    coalesce(n.agent_type, '(none)') AS agent_type,
    count(*) AS tasks,
    sum(n.outcome = 'success') AS successful_tasks,
    round(sum(n.cost_usd), 4) AS cost_usd,
    round(sum(n.cost_usd) / nullif(sum(n.outcome = 'success'), 0), 4)
        AS cost_per_successful_task,
    round(avg(n.cost_usd), 4) AS avg_cost_per_task,
    sum(n.cost_usd IS NULL AND n.status NOT IN ('running', 'pending')) AS unpriced_tasks,
    sum(n.input_tokens) AS input_tokens,
    sum(n.output_tokens) AS output_tokens,
    sum(n.cache_read_tokens) AS cache_read_tokens,
    sum(n.cache_creation_tokens) AS cache_creation_tokens,
    sum(n.token_count) AS token_count,
    sum(n.api_calls) AS api_calls
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
GROUP BY coalesce(n.agent_type, '(none)')
ORDER BY sum(n.cost_usd) DESC NULLS LAST, count(*) DESC, agent_type
LIMIT 1000
