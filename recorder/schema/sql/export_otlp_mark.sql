-- agent-runs export --otlp: remember that a run was sent to :endpoint (never sent again).
INSERT OR IGNORE INTO _agent_runs_otlp_exports
    (endpoint, run_id, trace_id, run_status, run_updated_at, exported_at)
VALUES
    (:endpoint, :run_id, :trace_id, :run_status, :run_updated_at, :exported_at)
