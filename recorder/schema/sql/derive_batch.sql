-- The next kept events to derive, in order of receipt.
SELECT id, event, block_id FROM kept_events WHERE id > :after ORDER BY id LIMIT :limit;
