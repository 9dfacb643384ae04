-- The ids of the runs found old, in order.
SELECT id FROM temp.prune_candidates ORDER BY id;
