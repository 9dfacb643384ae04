-- One run per run_key; the first writer sets its identity, later ones fill gaps.
INSERT INTO workflow_runs (
    run_key, grouping, session_id, prompt_id, project, workflow_name, status, phase,
    input_json, started_at, created_at, updated_at)
VALUES (
    :run_key, :grouping, :session_id, :prompt_id, :project, :workflow_name, 'running', 'subagents',
    :input_json, :started_at, :started_at, :started_at)
ON CONFLICT(run_key) DO UPDATE SET
    input_json = CASE WHEN workflow_runs.input_json IS NULL OR workflow_runs.input_json = '{}'
                      THEN excluded.input_json ELSE workflow_runs.input_json END,
    workflow_name = coalesce(workflow_runs.workflow_name, excluded.workflow_name),
    started_at = CASE
        WHEN workflow_runs.started_at IS NULL OR excluded.started_at < workflow_runs.started_at
        THEN excluded.started_at ELSE workflow_runs.started_at END
RETURNING id;
