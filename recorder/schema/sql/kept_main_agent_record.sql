-- The last kept read of a session transcript's main-agent spend (no subject: no node).
SELECT id, event, block_id FROM kept_events
WHERE session_id = :session_id AND source = 'transcript' AND subject IS NULL
ORDER BY id DESC
LIMIT 1;
