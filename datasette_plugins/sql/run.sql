-- One run, with the user prompt and its session's project.
SELECT
    r.*,
    coalesce(
        CASE WHEN json_valid(r.input_json) THEN json_extract(r.input_json, '$.prompt') END,
        r.workflow_name) AS prompt,
    s.project AS session_project
FROM workflow_runs AS r
LEFT JOIN sessions AS s ON s.id = r.session_id
WHERE r.id = :id
