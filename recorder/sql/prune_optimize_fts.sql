-- Merge the full-text index's segments, dropping the entries of deleted nodes
-- (until then FTS5 keeps them, with delete markers beside them, and VACUUM cannot free them).
INSERT INTO node_executions_fts (node_executions_fts) VALUES ('optimize');
