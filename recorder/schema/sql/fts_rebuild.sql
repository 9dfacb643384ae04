-- Build the nodes' full-text index again from node_executions (FTS5 'rebuild').
INSERT INTO node_executions_fts(node_executions_fts) VALUES ('rebuild');
