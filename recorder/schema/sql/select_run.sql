SELECT id FROM workflow_runs WHERE run_key = :run_key;
