-- A finished subagent started again (resumed, e.g. by SendMessage): it appends to the same
-- transcript, so what it spent is not settled any more (read again like an unfinished one).
UPDATE node_executions SET usage_complete = 0
WHERE agent_id = :agent_id AND usage_complete = 1 AND usage_source = 'transcript'
  AND status IN ('completed', 'failed', 'cancelled', 'abandoned');
