-- A new block of kept events (see m023_kept_blocks).
INSERT INTO kept_blocks (events, data) VALUES (:events, :data);
