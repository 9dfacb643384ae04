-- A node's files_modified (ELF's JSON list): the files its subagent wrote, sorted.
UPDATE node_executions SET files_modified = (
    SELECT json_group_array(file_path) FROM (
        SELECT DISTINCT file_path FROM file_touches
        WHERE node_id = :node_id AND access = 'write' AND completed_at IS NOT NULL
          AND file_path IS NOT NULL
        ORDER BY file_path))
WHERE id = :node_id;
