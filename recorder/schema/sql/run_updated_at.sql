-- When a run last changed (a refresh that changes nothing else keeps it).
SELECT updated_at FROM workflow_runs WHERE id = :run_id;
