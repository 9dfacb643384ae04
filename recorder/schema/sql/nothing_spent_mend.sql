-- One node of nothing_spent_nodes as derivation now writes it (recorder.derive.node_usage
-- .nothing_ran): a call denied or cancelled before it started spent nothing; any other's
-- cost is unknown, and says so.
UPDATE node_executions SET
    cost_usd = CASE WHEN :never_ran THEN 0.0 END,
    cost_note = CASE WHEN :never_ran THEN :nothing_spent ELSE :none_found END
WHERE id = :id;
