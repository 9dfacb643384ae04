-- Which path first recorded a new node: hook (also its spool and replay) or backfill.
UPDATE node_executions SET recorded_by = :recorded_by WHERE id = :id AND recorded_by IS NULL;
