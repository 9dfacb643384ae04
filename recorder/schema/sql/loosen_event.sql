-- A kept event taken out of its block (before prune deletes some of the block's events).
UPDATE kept_events SET event = :event, block_id = NULL WHERE id = :id;
