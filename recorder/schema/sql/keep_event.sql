-- Append one kept event (see m015_kept_events). Its content never changes: compaction
-- only moves it into a block (m023_kept_blocks), and only prune deletes it.
INSERT INTO kept_events (received_at, source, session_id, subject, event)
VALUES (:received_at, :source, :session_id, :subject, :event);
