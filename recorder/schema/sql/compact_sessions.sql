-- Sessions with at least :least loose kept events received before :quiet (compaction).
SELECT session_id FROM kept_events
WHERE block_id IS NULL AND received_at < :quiet
GROUP BY session_id
HAVING count(*) >= :least
LIMIT :limit;
