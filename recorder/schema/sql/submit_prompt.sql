-- A newer prompt opens the session's turn; a replayed older one changes nothing.
UPDATE sessions SET
    current_prompt = :prompt,
    current_prompt_id = :prompt_id,
    current_prompt_at = :received_at
WHERE id = :session_id
  AND (current_prompt_at IS NULL OR current_prompt_at <= :received_at);
