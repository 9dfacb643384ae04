-- Empty the batch tables before the next batch.
DELETE FROM temp.prune_runs;
DELETE FROM temp.prune_nodes;
DELETE FROM temp.prune_sessions;
