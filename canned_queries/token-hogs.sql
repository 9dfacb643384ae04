-- The subagent tasks that used the most tokens among those that started within the last
-- :days days (default 7, rolling, UTC), with each task's share of the window's tokens.
-- Empty :project / :agent_type mean all. The window is read from idx_node_exec_started_totals
-- only; just the top 100 rows come from the table.
WITH window_tasks AS (
    SELECT
        n.id,
        n.token_count,
        sum(n.token_count) OVER () AS window_tokens
    FROM node_executions AS n
    WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 7) || ' days')
      AND n.token_count IS NOT NULL
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
),
top AS (
    SELECT id, window_tokens FROM window_tasks ORDER BY token_count DESC, id DESC LIMIT 100
)
SELECT
    n.id AS node_execution_id,
    n.token_count,
    round(100.0 * n.token_count / nullif(top.window_tokens, 0), 2) AS pct_of_window_tokens,
    n.input_tokens,
    n.output_tokens,
    n.cache_read_tokens,
    n.cache_creation_tokens,
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
ORDER BY n.token_count DESC, n.id DESC
LIMIT 100
