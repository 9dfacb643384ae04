-- What an earlier backfill kept that may be this payload: events of the same execution
-- (subject), or, for an event of no execution, the session's, received at the same time
-- (a backfill stamps each event with its transcript time, so a payload kept again has
-- the same).
SELECT id, event, block_id FROM kept_events
WHERE subject = :subject AND received_at = :received_at AND source = 'backfill'
UNION ALL
SELECT id, event, block_id FROM kept_events
WHERE :subject IS NULL AND session_id = :session_id AND subject IS NULL
  AND received_at = :received_at AND source = 'backfill';
