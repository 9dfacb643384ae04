-- The node holds the result now; the subagent row need not keep a copy.
UPDATE subagents SET last_assistant_message = NULL WHERE agent_id = :agent_id;
