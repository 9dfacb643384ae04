-- What doctor says of derivation: kept events waiting, the oldest one's receipt time,
-- whether a rebuild is asked for and whether a load left indexes deferred.
SELECT
    (SELECT count(*) FROM kept_events
     WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied')) AS waiting,
    (SELECT min(received_at) FROM kept_events
     WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied')) AS oldest,
    (SELECT count(*) FROM kept_events) AS kept,
    coalesce((SELECT value FROM derivation_state WHERE name = 'rebuild_requested'), 0)
        AS rebuild_requested,
    EXISTS (SELECT 1 FROM deferred_triggers) AS deferred;
