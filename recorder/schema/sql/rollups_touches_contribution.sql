-- One file touch's contribution to a touch rollup ({table}: rollup_file_touches_daily, or
-- its all-projects twins by day and by week), added ({sign} = +) or taken away ({sign} =
-- -); placeholders as in rollups_tasks_contribution.sql (day: the UTC day of touched_at;
-- week: that day's Monday). A touch
-- without a file_path counts nowhere. The last statement (taking away only) deletes the
-- rows left at zero.
UPDATE {table} SET
    touches = touches {sign} 1,
    accessed = accessed {sign} ({row}.access IS NOT NULL),
    writes = writes {sign} ({row}.access IS 'write'),
    reads = reads {sign} ({row}.access IS 'read')
WHERE {match} AND {row}.file_path IS NOT NULL;
INSERT INTO {table}({keys}, touches, accessed, writes, reads)
SELECT
    {values}, {sign} 1, {sign} ({row}.access IS NOT NULL), {sign} ({row}.access IS 'write'),
    {sign} ({row}.access IS 'read')
WHERE changes() = 0 AND {row}.file_path IS NOT NULL;
DELETE FROM {table} WHERE touches = 0 AND {match};
