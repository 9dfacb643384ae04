UPDATE workflow_runs SET
    status = :status,
    completed_at = CASE WHEN :status IN ('completed', 'failed', 'cancelled')
                        THEN :now ELSE completed_at END,
    error_message = coalesce(:error_message, error_message),
    output_json = coalesce(:output_json, output_json),
    closed_at = CASE WHEN :status IN ('completed', 'failed', 'cancelled')
                     THEN :now ELSE closed_at END,
    updated_at = :now
WHERE id = :run_id;
