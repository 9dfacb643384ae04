-- Before a rebuild: delete every row derivation inserted (children first), so deriving
-- the kept events again gives the same rows; rows it never inserted stay.
DELETE FROM learnings WHERE id IN (SELECT id FROM derived_rows WHERE tbl = 'learnings');
DELETE FROM file_touches WHERE id IN (SELECT id FROM derived_rows WHERE tbl = 'file_touches');
DELETE FROM node_tools
WHERE node_id IN (SELECT id FROM derived_rows WHERE tbl = 'node_executions');
DELETE FROM subagents WHERE agent_id IN (SELECT key FROM derived_rows WHERE tbl = 'subagents');
DELETE FROM node_executions
WHERE id IN (SELECT id FROM derived_rows WHERE tbl = 'node_executions');
DELETE FROM workflow_runs WHERE id IN (SELECT id FROM derived_rows WHERE tbl = 'workflow_runs');
DELETE FROM sessions WHERE id IN (SELECT key FROM derived_rows WHERE tbl = 'sessions');
UPDATE derivation_state SET value = 0;
