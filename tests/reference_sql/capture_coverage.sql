-- Capture coverage over the selected range: tasks recorded (ELF's duplicates left out),
-- those the hook did not record first (recorded_by other than 'hook': found later by
-- backfill), and executions `doctor --coverage` found in transcripts that nobody
-- recorded (capture_gaps; they have no project, so a project filter leaves them out).
-- Rows recorded before recorded_by existed (NULL) count as seen by the hook.
-- The first count reads idx_node_exec_started_totals_cost, the second
-- idx_node_exec_not_by_hook.
SELECT
    (SELECT count(*) FROM node_executions AS n
     WHERE n.duplicate_of IS NULL AND n.started_at >= :since
       AND (:project IS NULL OR n.project = :project)
       AND (:agent_type IS NULL OR n.agent_type = :agent_type)) AS recorded,
    (SELECT count(*) FROM node_executions AS n
     WHERE n.recorded_by <> 'hook' AND n.started_at >= :since AND n.duplicate_of IS NULL
       AND (:project IS NULL OR n.project = :project)
       AND (:agent_type IS NULL OR n.agent_type = :agent_type)) AS backfilled,
    (SELECT count(*) FROM capture_gaps AS g
     WHERE g.started_at >= :since AND :project IS NULL
       AND (:agent_type IS NULL OR g.agent_type = :agent_type)
       AND NOT EXISTS (SELECT 1 FROM node_executions AS n WHERE n.tool_use_id = g.tool_use_id))
        AS unrecorded
