-- USD cost per day (UTC) and model of the subagent tasks that started within the last
-- :days days (default 30), newest day first; a node's model is the one that served its
-- last API response. Empty :project means all.
-- Whole days come from the rollups (rollup_tasks_daily_all, or rollup_tasks_daily for a
-- project), the rest of the first day from the rows; a sum over tasks none of which had
-- the value is empty, as it was over the rows.
WITH edge AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
bounds AS (
    SELECT since, substr(since, 1, 10) AS day, date(substr(since, 1, 10), '+1 day') AS next_day
    FROM edge
),
counted AS (
    SELECT r.day, r.model, r.status, r.tasks, r.costed, r.cost_usd, r.tokened, r.token_count,
           r.api_called, r.api_calls
    FROM rollup_tasks_daily_all AS r
    WHERE ifnull(:project, '') = '' AND r.day > (SELECT day FROM bounds)
    UNION ALL
    SELECT r.day, r.model, r.status, r.tasks, r.costed, r.cost_usd, r.tokened, r.token_count,
           r.api_called, r.api_calls
    FROM rollup_tasks_daily AS r
    WHERE ifnull(:project, '') <> '' AND r.day > (SELECT day FROM bounds)
      AND instr(r.project, :project) > 0
    UNION ALL
    SELECT substr(n.started_at, 1, 10), n.model, n.status, 1, n.cost_usd IS NOT NULL,
           coalesce(n.cost_usd, 0), n.token_count IS NOT NULL, coalesce(n.token_count, 0),
           n.api_calls IS NOT NULL, coalesce(n.api_calls, 0)
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM bounds)
      AND n.started_at < (SELECT next_day FROM bounds)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
),
totals AS (
    SELECT
        day,
        coalesce(model, '(unknown)') AS model,
        sum(tasks) AS tasks,
        CASE WHEN sum(costed) > 0 THEN sum(cost_usd) END AS cost,
        sum(CASE WHEN status NOT IN ('running', 'pending') THEN tasks - costed ELSE 0 END)
            AS unpriced,
        CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS token_count,
        CASE WHEN sum(api_called) > 0 THEN sum(api_calls) END AS api_calls
    FROM counted
    GROUP BY day, coalesce(model, '(unknown)')
)
SELECT
    day,
    model,
    tasks,
    round(cost, 4) AS cost_usd,
    unpriced AS unpriced_tasks,
    token_count,
    api_calls
FROM totals
ORDER BY day DESC, cost DESC NULLS LAST, model
LIMIT 1000
