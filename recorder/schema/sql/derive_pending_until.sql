-- How many kept events up to :last wait for derivation.
SELECT count(*) FROM kept_events
WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied') AND id <= :last;
