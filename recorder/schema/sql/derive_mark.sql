SELECT value FROM derivation_state WHERE name = 'applied';
