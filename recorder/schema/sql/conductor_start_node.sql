INSERT INTO node_executions (
    run_id, node_id, node_name, node_type, agent_id, prompt, prompt_hash, status,
    started_at, created_at, updated_at)
VALUES (
    :run_id, :node_id, :node_name, :node_type, :agent_id, :prompt, :prompt_hash, 'running',
    :now, :now, :now);
