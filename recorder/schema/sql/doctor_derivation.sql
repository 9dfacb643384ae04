-- What doctor says of derivation: kept events waiting, the oldest one's receipt time,
-- whether a rebuild is asked for and whether a load left indexes deferred.
WITH waiting AS (
    SELECT count(*) AS events, min(received_at) AS oldest FROM kept_events
    WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied')
)
SELECT
    (SELECT events FROM waiting) AS waiting,
    (SELECT oldest FROM waiting) AS oldest,
    (SELECT count(*) FROM kept_events) AS kept,
    coalesce((SELECT value FROM derivation_state WHERE name = 'rebuild_requested'), 0)
        AS rebuild_requested,
    EXISTS (SELECT 1 FROM deferred_triggers) AS deferred;
