-- One learning of a node; (node_id, text) is unique, so a replayed result adds nothing.
-- type, filepath, title and summary are ELF's columns (NOT NULL in ELF's schema).
INSERT INTO learnings (
    id, type, filepath, title, summary, domain, severity, created_at, updated_at,
    node_id, run_id, session_id, kind, text)
VALUES (
    (SELECT id FROM derived_rows WHERE tbl = 'learnings' AND key = :node_id || ':' || :text),
    :type, :filepath, :title, :summary, :domain, 3, :created_at, :created_at,
    :node_id, :run_id, :session_id, :kind, :text)
ON CONFLICT(node_id, text) DO NOTHING;
