-- The kept transcript reads of one node (subject = its tool_use_id), newest first.
SELECT id, event, block_id FROM kept_events
WHERE subject = :tool_use_id AND source = 'transcript'
ORDER BY id DESC;
