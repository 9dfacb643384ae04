-- A new node; tool_use_id is the idempotency key (existing nodes: update_node.sql).
-- A rebuild gives it back the id it had (derived_rows; NULL: a new id).
INSERT INTO node_executions (
    id, run_id, node_id, node_name, node_type, tool_use_id, tool_name, session_id, project,
    agent_id, agent_type, parent_agent_id, model, prompt, prompt_hash, is_background,
    status, outcome, outcome_reason, failure_kind, outcome_classifier, result_text, result_json, error_message, error_type,
    duration_ms, token_count, input_tokens, output_tokens, cache_read_tokens,
    cache_creation_tokens, tool_use_count, agent_transcript_path, output_file,
    api_calls, cost_usd, cost_note, context_tokens, usage_source, usage_complete,
    lines_added, lines_removed, tool_stats_json,
    started_at, completed_at, created_at, updated_at)
VALUES (
    (SELECT id FROM derived_rows WHERE tbl = 'node_executions' AND key = :tool_use_id),
    :run_id, :node_id, :node_name, :node_type, :tool_use_id, :tool_name, :session_id, :project,
    :agent_id, :agent_type, :parent_agent_id, :model, :prompt, :prompt_hash, :is_background,
    :status, :outcome, :outcome_reason, :failure_kind, :outcome_classifier, :result_text, :result_json, :error_message, :error_type,
    :duration_ms, :token_count, :input_tokens, :output_tokens, :cache_read_tokens,
    :cache_creation_tokens, :tool_use_count, :agent_transcript_path, :output_file,
    :api_calls, :cost_usd, :cost_note, :context_tokens, :usage_source, :usage_complete,
    :lines_added, :lines_removed, :tool_stats_json,
    :started_at, :completed_at, :created_at, :updated_at);
