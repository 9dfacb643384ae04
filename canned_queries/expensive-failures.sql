-- What failed work cost: the failed or cancelled subagent tasks that started within the
-- last :days days (default 30, rolling, UTC), the most expensive first, with why they
-- ended and the share of the window's spend they took. Empty :agent_type means all.
WITH window_tasks AS (
    SELECT n.id, n.status, n.cost_usd, sum(n.cost_usd) OVER () AS window_cost
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
)
SELECT
    n.id AS node_execution_id,
    round(n.cost_usd, 4) AS cost_usd,
    round(100.0 * n.cost_usd / nullif(w.window_cost, 0), 2) AS pct_of_window_cost,
    n.token_count,
    n.api_calls,
    n.status,
    coalesce(n.outcome_reason, n.error_message) AS reason,
    n.node_name,
    n.agent_type,
    n.model,
    n.duration_ms,
    n.started_at,
    n.run_id,
    n.session_id
FROM window_tasks AS w
JOIN node_executions AS n ON n.id = w.id
WHERE w.status IN ('failed', 'cancelled', 'abandoned')
ORDER BY n.cost_usd DESC NULLS LAST, n.token_count DESC, n.id DESC
LIMIT 100
