-- The subagent tasks that cost the most among those that started within the last :days
-- days (default 7, rolling, UTC): ranked by USD cost, then (tasks without a price) by
-- tokens; with each task's share of the window's cost and tokens. Empty :project /
-- :agent_type mean all. The window is read from idx_node_exec_started_totals_cost only;
-- just the top 100 rows come from the table.
WITH window_tasks AS (
    SELECT
        n.id,
        n.cost_usd,
        n.token_count,
        sum(n.token_count) OVER () AS window_tokens,
        sum(n.cost_usd) OVER () AS window_cost
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 7) || ' days')
      AND (n.token_count IS NOT NULL OR n.cost_usd IS NOT NULL)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
),
top AS (
    SELECT id, window_tokens, window_cost FROM window_tasks
    ORDER BY cost_usd DESC NULLS LAST, token_count DESC, id DESC LIMIT 100
)
SELECT
    n.id AS node_execution_id,
    round(n.cost_usd, 4) AS cost_usd,
    round(100.0 * n.cost_usd / nullif(top.window_cost, 0), 2) AS pct_of_window_cost,
    n.token_count,
    round(100.0 * n.token_count / nullif(top.window_tokens, 0), 2) AS pct_of_window_tokens,
    n.input_tokens,
    n.output_tokens,
    n.cache_read_tokens,
    n.cache_creation_tokens,
    n.api_calls,
    n.usage_source,
    n.node_name,
    n.agent_type,
    n.model,
    n.status,
    n.duration_ms,
    n.tool_use_count,
    n.started_at,
    n.run_id,
    n.session_id,
    n.project
FROM top
JOIN node_executions AS n ON n.id = top.id
ORDER BY n.cost_usd DESC NULLS LAST, n.token_count DESC, n.id DESC
LIMIT 100
