-- A block whose events were all taken out.
DELETE FROM kept_blocks WHERE id = ?;
