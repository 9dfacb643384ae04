-- The first event the hook itself recorded in a session (doctor --coverage: was it installed?).
UPDATE sessions SET hook_seen_at = :received_at
WHERE id = :session_id AND (hook_seen_at IS NULL OR hook_seen_at > :received_at);
