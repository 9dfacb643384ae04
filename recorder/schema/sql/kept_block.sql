-- The compressed lines of one block of kept events.
SELECT data FROM kept_blocks WHERE id = ?;
