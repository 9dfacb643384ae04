-- Append one kept event (see m015_kept_events); nothing ever updates it.
INSERT INTO kept_events (received_at, source, session_id, subject, event)
VALUES (:received_at, :source, :session_id, :subject, :event);
