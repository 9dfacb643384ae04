UPDATE derivation_state SET value = :applied WHERE name = 'applied';
