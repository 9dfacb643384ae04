UPDATE derivation_state SET value = 1 WHERE name = 'rebuild_requested';
