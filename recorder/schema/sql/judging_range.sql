-- The kept events of a range (after :after, up to :last), as derivation reads them.
SELECT id, event, block_id FROM kept_events WHERE id > :after AND id <= :last ORDER BY id;
