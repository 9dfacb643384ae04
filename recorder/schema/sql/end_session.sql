UPDATE sessions SET ended_at = :received_at, end_reason = :reason WHERE id = :session_id;
