INSERT INTO workflow_runs (
    workflow_id, workflow_name, status, phase, input_json, run_key, grouping,
    started_at, created_at, updated_at)
VALUES (
    :workflow_id, :workflow_name, 'running', :phase, :input_json, :run_key, 'conductor',
    :now, :now, :now);
