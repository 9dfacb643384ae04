-- The latest runs in the selected range, with the user prompt that started them.
SELECT
    r.id, r.status, r.project, r.started_at, r.completed_at,
    coalesce(
        CASE WHEN json_valid(r.input_json) THEN json_extract(r.input_json, '$.prompt') END,
        r.workflow_name) AS prompt,
    r.total_nodes, r.completed_nodes, r.failed_nodes, r.total_tokens
FROM workflow_runs AS r
WHERE r.duplicate_of IS NULL AND r.started_at >= :since
  AND (:project IS NULL OR r.project = :project)
  AND (:agent_type IS NULL OR EXISTS (
        SELECT 1 FROM node_executions AS n
        WHERE n.run_id = r.id AND n.agent_type = :agent_type))
ORDER BY r.started_at DESC
LIMIT :limit
