SELECT * FROM subagents WHERE agent_id = :agent_id;
