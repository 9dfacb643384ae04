-- One node's part in rollup_project_runs ({table}; {match}, {keys}, {values}: its project,
-- session and run). Added ({sign} = +): its start raises its row's last_started_at, or
-- makes the row. Taken away ({sign} = -): the row is deleted (the first statement, taking
-- away only) and made again from the rows left, found through idx_node_exec_run; in an
-- UPDATE the rows already hold the new values, so that is the row's value after it too.
-- A duplicate (duplicate_of) or a node without a start counts nowhere.
DELETE FROM {table} WHERE {match};
UPDATE {table} SET last_started_at = max(last_started_at, {row}.started_at)
WHERE '{sign}' = '+' AND {match}
  AND {row}.duplicate_of IS NULL AND {row}.started_at IS NOT NULL;
INSERT INTO {table}({keys}, last_started_at)
SELECT {values}, {row}.started_at
WHERE '{sign}' = '+' AND changes() = 0
  AND {row}.duplicate_of IS NULL AND {row}.started_at IS NOT NULL;
INSERT INTO {table}({keys}, last_started_at)
SELECT {values}, max(n.started_at)
FROM node_executions AS n
WHERE '{sign}' = '-' AND n.run_id IS {row}.run_id AND n.session_id IS {row}.session_id
  AND n.project IS {row}.project AND n.duplicate_of IS NULL
HAVING max(n.started_at) IS NOT NULL;
