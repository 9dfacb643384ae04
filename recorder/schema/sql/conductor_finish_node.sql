-- Finish a node started through the Conductor API (completion or failure).
UPDATE node_executions SET
    status = :status,
    outcome = :outcome,
    outcome_reason = :outcome_reason,
    result_text = coalesce(:result_text, result_text),
    result_json = coalesce(:result_json, result_json),
    findings_json = coalesce(:findings_json, findings_json),
    files_modified = coalesce(:files_modified, files_modified),
    error_message = :error_message,
    error_type = :error_type,
    token_count = coalesce(:token_count, token_count),
    duration_ms = coalesce(:duration_ms,
        CAST(round((julianday(:now) - julianday(started_at)) * 86400000) AS INTEGER)),
    completed_at = :now,
    updated_at = :now
WHERE id = :exec_id
RETURNING run_id, node_id;
