-- One node's part in rollup_project_runs ({table}; {match}, {keys}, {values}: its project,
-- session and run). Added ({row}.sign = 1): its start raises its row's last_started_at, or
-- makes the row. Taken away ({row}.sign = -1): the row is deleted and made again from the
-- rows left, found through idx_node_exec_run; in an UPDATE the rows already hold the new
-- values, so that is the row's value after it too. A duplicate (duplicate_of) or a node
-- without a start counts nowhere.
DELETE FROM {table} WHERE {row}.sign < 0 AND {match};
UPDATE {table} SET last_started_at = max(last_started_at, {row}.started_at)
WHERE {row}.sign > 0 AND {match}
  AND {row}.duplicate_of IS NULL AND {row}.started_at IS NOT NULL;
INSERT INTO {table}({keys}, last_started_at)
SELECT {values}, {row}.started_at
WHERE {row}.sign > 0 AND changes() = 0
  AND {row}.duplicate_of IS NULL AND {row}.started_at IS NOT NULL;
INSERT INTO {table}({keys}, last_started_at)
SELECT {values}, max(n.started_at)
FROM node_executions AS n
WHERE {row}.sign < 0 AND n.run_id IS {row}.run_id AND n.session_id IS {row}.session_id
  AND n.project IS {row}.project AND n.duplicate_of IS NULL
HAVING max(n.started_at) IS NOT NULL;
