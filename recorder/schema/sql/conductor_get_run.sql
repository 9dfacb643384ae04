SELECT * FROM workflow_runs WHERE id = :run_id;
