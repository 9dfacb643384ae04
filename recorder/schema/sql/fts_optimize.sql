-- Merge the full-text index's segments into one (FTS5 'optimize'): after a bulk load it
-- is built in several, each repeating terms the others hold.
INSERT INTO node_executions_fts(node_executions_fts) VALUES ('optimize');
