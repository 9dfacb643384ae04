-- Write the columns of a node that changed (an upsert would use up an id each time).
-- ``{assignments}`` is ``column = :column, ...`` for the changed columns among
-- ``store.UPDATED_COLUMNS`` and updated_at: only the indexes and triggers that read them are
-- touched, so the full-text index is written again only when a text changed.
UPDATE node_executions SET {assignments} WHERE id = :id;
