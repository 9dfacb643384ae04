-- doctor --coverage: when the hook first recorded an event of the session.
SELECT hook_seen_at FROM sessions WHERE id = :session_id;
