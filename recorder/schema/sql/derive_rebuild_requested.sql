SELECT value FROM derivation_state WHERE name = 'rebuild_requested';
