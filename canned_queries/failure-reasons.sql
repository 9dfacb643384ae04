-- Why tasks failed: failed tasks (status 'failed' or outcome 'failure') that started within
-- the last :days days (default 30, rolling, UTC), grouped by failure_kind (needs_input,
-- blocked, incomplete, unable, wrong_target, tool_error, cancelled; 'unclassified' when
-- none was recorded), then error type and reason (outcome_reason, else error_message),
-- most frequent kind first, with first and last seen.
-- Empty :project / :agent_type mean all. Uses idx_node_exec_started (range on started_at).
SELECT
    coalesce(n.failure_kind, 'unclassified') AS failure_kind,
    sum(count(*)) OVER (PARTITION BY coalesce(n.failure_kind, 'unclassified')) AS kind_tasks,
    n.error_type,
    coalesce(n.outcome_reason, n.error_message, '(no reason recorded)') AS reason,
    count(*) AS tasks,
    count(DISTINCT n.session_id) AS sessions,
    group_concat(DISTINCT n.agent_type) AS agent_types,
    min(n.started_at) AS first_seen,
    max(n.started_at) AS last_seen
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at >= strftime(
        '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
  AND (n.status = 'failed' OR n.outcome = 'failure')
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
  AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
GROUP BY
    coalesce(n.failure_kind, 'unclassified'),
    n.error_type,
    coalesce(n.outcome_reason, n.error_message, '(no reason recorded)')
ORDER BY kind_tasks DESC, failure_kind, tasks DESC, last_seen DESC
LIMIT 500
