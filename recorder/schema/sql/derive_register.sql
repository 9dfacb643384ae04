-- Temporary triggers (this connection only): each row derivation inserts into a derived
-- table is registered in derived_rows with its natural key, so rebuild can delete it and
-- give it back its id. Rows other programs insert (ELF's own code) are never registered.
CREATE TEMP TRIGGER IF NOT EXISTS derived_session AFTER INSERT ON main.sessions
BEGIN
    INSERT OR IGNORE INTO derived_rows(tbl, key, id) VALUES ('sessions', new.id, NULL);
END;
CREATE TEMP TRIGGER IF NOT EXISTS derived_run AFTER INSERT ON main.workflow_runs
BEGIN
    INSERT OR IGNORE INTO derived_rows(tbl, key, id) VALUES ('workflow_runs', new.run_key, new.id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS derived_node AFTER INSERT ON main.node_executions
BEGIN
    INSERT OR IGNORE INTO derived_rows(tbl, key, id)
    VALUES ('node_executions', new.tool_use_id, new.id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS derived_subagent AFTER INSERT ON main.subagents
BEGIN
    INSERT OR IGNORE INTO derived_rows(tbl, key, id) VALUES ('subagents', new.agent_id, NULL);
END;
CREATE TEMP TRIGGER IF NOT EXISTS derived_learning AFTER INSERT ON main.learnings
BEGIN
    INSERT OR IGNORE INTO derived_rows(tbl, key, id)
    VALUES ('learnings', new.node_id || ':' || new.text, new.id);
END;
CREATE TEMP TRIGGER IF NOT EXISTS derived_file_touch AFTER INSERT ON main.file_touches
BEGIN
    INSERT OR IGNORE INTO derived_rows(tbl, key, id)
    VALUES ('file_touches', new.tool_use_id, new.id);
END;
