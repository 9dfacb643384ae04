-- One file touch's contribution to a touch rollup ({table}: rollup_file_touches_daily, or
-- its all-projects twins by day and by week), added ({row}.sign = 1) or taken away
-- ({row}.sign = -1); placeholders as in rollups_tasks_contribution.sql (day: the UTC day
-- of touched_at; week: that day's Monday). A touch without a file_path counts nowhere.
-- The last statement (taking away only) deletes the rows left at zero.
UPDATE {table} SET
    touches = touches + {row}.sign,
    accessed = accessed + {row}.sign * ({row}.access IS NOT NULL),
    writes = writes + {row}.sign * ({row}.access IS 'write'),
    reads = reads + {row}.sign * ({row}.access IS 'read')
WHERE {match} AND {row}.file_path IS NOT NULL;
INSERT INTO {table}({keys}, touches, accessed, writes, reads)
SELECT
    {values}, {row}.sign, {row}.sign * ({row}.access IS NOT NULL),
    {row}.sign * ({row}.access IS 'write'), {row}.sign * ({row}.access IS 'read')
WHERE changes() = 0 AND {row}.file_path IS NOT NULL;
DELETE FROM {table} WHERE {row}.sign < 0 AND touches = 0 AND {match};
