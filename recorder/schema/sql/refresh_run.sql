-- A run's counters, times and status follow its nodes.
WITH agg AS (
    SELECT count(*) AS total,
           coalesce(sum(status = 'completed'), 0) AS completed,
           coalesce(sum(status = 'failed'), 0) AS failed,
           coalesce(sum(status IN ('cancelled', 'abandoned')), 0) AS cancelled,
           coalesce(sum(status IN ('running', 'pending')), 0) AS running,
           sum(token_count) AS tokens,
           sum(cost_usd) AS cost,
           coalesce(sum(cost_usd IS NULL AND status NOT IN ('running', 'pending')), 0)
               AS unpriced,
           min(started_at) AS first_started,
           max(completed_at) AS last_completed
    FROM node_executions WHERE run_id = :run_id
),
next AS (
    SELECT agg.*, CASE
        WHEN agg.running > 0 THEN 'running'
        WHEN r.closed_at IS NULL AND r.grouping IN ('turn', 'prompt') THEN 'running'
        WHEN agg.failed > 0 THEN 'failed'
        WHEN agg.cancelled > 0 AND agg.completed = 0 THEN 'cancelled'
        ELSE 'completed' END AS status
    FROM agg, workflow_runs AS r WHERE r.id = :run_id
)
UPDATE workflow_runs SET
    total_nodes = next.total,
    completed_nodes = next.completed,
    failed_nodes = next.failed,
    cancelled_nodes = next.cancelled,
    running_nodes = next.running,
    total_tokens = next.tokens,
    cost_usd = next.cost,
    unpriced_nodes = next.unpriced,
    status = next.status,
    started_at = CASE
        WHEN workflow_runs.started_at IS NULL OR next.first_started < workflow_runs.started_at
        THEN next.first_started ELSE workflow_runs.started_at END,
    completed_at = CASE WHEN next.status = 'running' THEN NULL
        ELSE max(coalesce(next.last_completed, ''), coalesce(workflow_runs.closed_at, '')) END,
    error_message = CASE WHEN next.failed = 0 THEN NULL ELSE (
        SELECT coalesce(n.outcome_reason, n.error_message) FROM node_executions AS n
        WHERE n.run_id = :run_id AND n.status = 'failed'
        ORDER BY n.completed_at DESC LIMIT 1) END,
    updated_at = max(coalesce(workflow_runs.updated_at, ''), :received_at)
FROM next
WHERE workflow_runs.id = :run_id;
