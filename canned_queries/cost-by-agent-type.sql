-- For each agent type, over the tasks that started within the last :days days (default
-- 30, rolling, UTC): what they cost in USD, their tokens by kind and API calls, and the
-- cost per successful task (all the type's spend, failures included, divided by the tasks
-- that succeeded). Tasks whose model has no price are counted in unpriced_tasks and left
-- out of the cost. Empty :project means all.
-- Whole days come from the rollups (rollup_tasks_daily_all, or rollup_tasks_daily for a
-- project), the rest of the first day from the rows; a sum over tasks none of which had
-- the value is empty, as it was over the rows (the rollups count the tasks with each).
WITH edge AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
bounds AS (
    SELECT since, substr(since, 1, 10) AS day, date(substr(since, 1, 10), '+1 day') AS next_day
    FROM edge
),
counted AS (
    SELECT r.agent_type, r.status, r.outcome, r.tasks, r.costed, r.cost_usd, r.input_tokened,
           r.input_tokens, r.output_tokened, r.output_tokens, r.cache_read_tokened,
           r.cache_read_tokens, r.cache_creation_tokened, r.cache_creation_tokens, r.tokened,
           r.token_count, r.api_called, r.api_calls
    FROM rollup_tasks_daily_all AS r
    WHERE ifnull(:project, '') = '' AND r.day > (SELECT day FROM bounds)
    UNION ALL
    SELECT r.agent_type, r.status, r.outcome, r.tasks, r.costed, r.cost_usd, r.input_tokened,
           r.input_tokens, r.output_tokened, r.output_tokens, r.cache_read_tokened,
           r.cache_read_tokens, r.cache_creation_tokened, r.cache_creation_tokens, r.tokened,
           r.token_count, r.api_called, r.api_calls
    FROM rollup_tasks_daily AS r
    WHERE ifnull(:project, '') <> '' AND r.day > (SELECT day FROM bounds)
      AND instr(r.project, :project) > 0
    UNION ALL
    SELECT n.agent_type, n.status, n.outcome, 1, n.cost_usd IS NOT NULL, coalesce(n.cost_usd, 0),
           n.input_tokens IS NOT NULL, coalesce(n.input_tokens, 0),
           n.output_tokens IS NOT NULL, coalesce(n.output_tokens, 0),
           n.cache_read_tokens IS NOT NULL, coalesce(n.cache_read_tokens, 0),
           n.cache_creation_tokens IS NOT NULL, coalesce(n.cache_creation_tokens, 0),
           n.token_count IS NOT NULL, coalesce(n.token_count, 0),
           n.api_calls IS NOT NULL, coalesce(n.api_calls, 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM bounds)
      AND n.started_at < (SELECT next_day FROM bounds)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
),
totals AS (
    SELECT
        coalesce(agent_type, '(none)') AS agent_type,
        sum(tasks) AS tasks,
        CASE WHEN sum(CASE WHEN outcome IS NOT NULL THEN tasks ELSE 0 END) > 0
             THEN sum(CASE WHEN outcome = 'success' THEN tasks ELSE 0 END) END AS successes,
        CASE WHEN sum(costed) > 0 THEN sum(cost_usd) END AS cost,
        sum(costed) AS costed,
        sum(CASE WHEN status NOT IN ('running', 'pending') THEN tasks - costed ELSE 0 END)
            AS unpriced,
        CASE WHEN sum(input_tokened) > 0 THEN sum(input_tokens) END AS input_tokens,
        CASE WHEN sum(output_tokened) > 0 THEN sum(output_tokens) END AS output_tokens,
        CASE WHEN sum(cache_read_tokened) > 0 THEN sum(cache_read_tokens) END
            AS cache_read_tokens,
        CASE WHEN sum(cache_creation_tokened) > 0 THEN sum(cache_creation_tokens) END
            AS cache_creation_tokens,
        CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS token_count,
        CASE WHEN sum(api_called) > 0 THEN sum(api_calls) END AS api_calls
    FROM counted
    GROUP BY coalesce(agent_type, '(none)')
)
SELECT
    agent_type,
    tasks,
    successes AS successful_tasks,
    round(cost, 4) AS cost_usd,
    round(cost / nullif(successes, 0), 4) AS cost_per_successful_task,
    round(cost / costed, 4) AS avg_cost_per_task,
    unpriced AS unpriced_tasks,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_creation_tokens,
    token_count,
    api_calls
FROM totals
ORDER BY cost DESC NULLS LAST, tasks DESC, agent_type
LIMIT 1000
