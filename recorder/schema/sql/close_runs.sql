-- Close the session's open turn runs (a Stop, a new prompt, or the session's end).
UPDATE workflow_runs SET closed_at = :received_at
WHERE session_id = :session_id
  AND closed_at IS NULL
  AND grouping IN ('turn', 'prompt')
  AND started_at <= :received_at
  AND (:keep_run_key IS NULL OR run_key <> :keep_run_key)
RETURNING id;
