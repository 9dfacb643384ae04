-- A kept event now held by its block: its own copy goes, its content does not change.
UPDATE kept_events SET event = x'', block_id = :block_id WHERE id = :id AND block_id IS NULL;
