-- A row's parts (a signed row of rollups_parts) added to a duration histogram ({table}:
-- rollup_durations_daily, or an all-projects twin) when the row has a bucket (a finished
-- row with a duration); placeholders as in rollups_tasks_contribution.sql, {match} and
-- {values} without the bucket. The rollup row a taking away leaves at zero goes.
UPDATE {table} SET tasks = tasks + {row}.tasks
WHERE {row}.bucket IS NOT NULL AND {match} AND bucket = {row}.bucket;
INSERT INTO {table}({keys}, bucket, tasks)
SELECT {values}, {row}.bucket, {row}.tasks WHERE changes() = 0 AND {row}.bucket IS NOT NULL;
DELETE FROM {table}
WHERE {row}.tasks < 0 AND tasks = 0 AND {row}.bucket IS NOT NULL AND {match}
  AND bucket = {row}.bucket;
