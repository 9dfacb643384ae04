-- A touch rollup ({table}) recomputed from the file touches; placeholders as in
-- rollups_tasks_recompute.sql.
DELETE FROM {table};
INSERT INTO {table}({keys}, touches, accessed, writes, reads)
SELECT
    {values}, count(*), count(n.access), sum(n.access IS 'write'), sum(n.access IS 'read')
FROM file_touches AS n
WHERE n.file_path IS NOT NULL
GROUP BY {groups};
