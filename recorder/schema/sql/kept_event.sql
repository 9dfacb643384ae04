-- Whether a kept event is still there (a dead letter's, not pruned since).
SELECT 1 FROM kept_events WHERE id = ?;
