-- rollup_project_runs ({table}) recomputed from the rows; placeholders as in
-- rollups_tasks_recompute.sql.
DELETE FROM {table};
INSERT INTO {table}({keys}, last_started_at)
SELECT {values}, max(n.started_at)
FROM node_executions AS n
WHERE n.duplicate_of IS NULL AND n.started_at IS NOT NULL
GROUP BY {groups};
