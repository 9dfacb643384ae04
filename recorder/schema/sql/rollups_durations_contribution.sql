-- One finished row's contribution to a duration histogram ({table}: rollup_durations_daily,
-- or its all-projects twin), added ({row}.sign = 1) or taken away ({row}.sign = -1); placeholders as
-- in rollups_tasks_contribution.sql, {match} and {values} without the bucket. The last
-- statement (taking away only) deletes the rows left at zero.
UPDATE {table} SET tasks = tasks + {row}.sign
WHERE {row}.duration_ms IS NOT NULL AND {row}.status IN ('completed', 'failed')
  AND {row}.duplicate_of IS NULL AND {match}
  AND bucket = (SELECT b.bucket FROM rollup_duration_buckets AS b
                WHERE b.low_ms <= max({row}.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1);
INSERT INTO {table}({keys}, bucket, tasks)
SELECT
    {values},
    (SELECT b.bucket FROM rollup_duration_buckets AS b
     WHERE b.low_ms <= max({row}.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1),
    {row}.sign
WHERE changes() = 0 AND {row}.duplicate_of IS NULL
  AND {row}.duration_ms IS NOT NULL AND {row}.status IN ('completed', 'failed');
DELETE FROM {table}
WHERE {row}.sign < 0 AND tasks = 0 AND {row}.duration_ms IS NOT NULL
  AND {row}.status IN ('completed', 'failed') AND {match};
