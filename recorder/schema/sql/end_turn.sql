UPDATE sessions SET turn_ended_at = :received_at
WHERE id = :session_id AND (turn_ended_at IS NULL OR turn_ended_at < :received_at);
