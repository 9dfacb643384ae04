-- A new run (select_run.sql finds an existing one by its run_key); a rebuild gives it
-- back the id it had (derived_rows).
INSERT INTO workflow_runs (
    id, run_key, grouping, session_id, prompt_id, project, workflow_name, status, phase,
    input_json, started_at, created_at, updated_at)
VALUES (
    (SELECT id FROM derived_rows WHERE tbl = 'workflow_runs' AND key = :run_key),
    :run_key, :grouping, :session_id, :prompt_id, :project, :workflow_name, 'running', 'subagents',
    :input_json, :started_at, :started_at, :started_at)
RETURNING id;
