-- The loose kept events of one session received before :quiet, oldest first.
SELECT id, event FROM kept_events
WHERE session_id IS :session_id AND block_id IS NULL AND received_at < :quiet
ORDER BY id
LIMIT :limit;
