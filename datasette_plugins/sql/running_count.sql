-- Subagents recorded as running right now (idx_node_exec_running alone), and how many of
-- them started before :stale_before (likely stuck, or their end was never recorded).
SELECT
    count(*) AS running,
    coalesce(sum(started_at < :stale_before), 0) AS stale
FROM node_executions
WHERE duplicate_of IS NULL AND status = 'running'
