-- What an earlier backfill kept that may be this payload: events of the same execution
-- (subject), or, for an event of no execution, the session's at the same receipt time.
SELECT id, event, block_id FROM kept_events
WHERE subject = :subject AND source = 'backfill'
UNION ALL
SELECT id, event, block_id FROM kept_events
WHERE :subject IS NULL AND session_id = :session_id AND subject IS NULL
  AND received_at = :received_at AND source = 'backfill';
