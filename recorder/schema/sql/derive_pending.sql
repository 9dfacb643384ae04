SELECT count(*) FROM kept_events
WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied');
