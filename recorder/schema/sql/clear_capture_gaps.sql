-- doctor --coverage: executions now seen by the hook are no longer gaps.
DELETE FROM capture_gaps WHERE tool_use_id IN (SELECT value FROM json_each(:tool_use_ids));
