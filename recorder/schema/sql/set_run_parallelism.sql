-- A run's parallelism columns (recorder/parallelism.py).
UPDATE workflow_runs SET
    subagent_wall_ms = :subagent_wall_ms,
    subagent_ms = :subagent_ms,
    max_parallel = :max_parallel,
    critical_path = :critical_path,
    critical_path_ms = :critical_path_ms
WHERE id = :run_id;
