-- A duration histogram ({table}) recomputed from the finished rows; placeholders as in
-- rollups_tasks_recompute.sql.
DELETE FROM {table};
INSERT INTO {table}({keys}, bucket, tasks)
SELECT
    {values},
    (SELECT b.bucket FROM rollup_duration_buckets AS b
     WHERE b.low_ms <= max(n.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1),
    count(*)
FROM node_executions AS n
WHERE n.duration_ms IS NOT NULL AND n.status IN ('completed', 'failed')
  AND n.duplicate_of IS NULL
GROUP BY {groups};
