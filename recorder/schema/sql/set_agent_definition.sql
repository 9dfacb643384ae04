-- The agent definition file a node ran with (recorder/agent_definitions.py).
UPDATE node_executions SET
    agent_definition_hash = :hash,
    agent_definition_description = :description,
    agent_definition_source = :source,
    agent_definition_path = :path
WHERE id = :id;
