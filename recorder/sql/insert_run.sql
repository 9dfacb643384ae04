-- A new run (select_run.sql finds an existing one by its run_key).
INSERT INTO workflow_runs (
    run_key, grouping, session_id, prompt_id, project, workflow_name, status, phase,
    input_json, started_at, created_at, updated_at)
VALUES (
    :run_key, :grouping, :session_id, :prompt_id, :project, :workflow_name, 'running', 'subagents',
    :input_json, :started_at, :started_at, :started_at)
RETURNING id;
