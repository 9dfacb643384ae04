-- The session's current turn, when a prompt was submitted and no Stop followed it.
SELECT current_prompt, current_prompt_id, current_prompt_at, project
FROM sessions
WHERE id = :session_id
  AND current_prompt_at IS NOT NULL
  AND (turn_ended_at IS NULL OR turn_ended_at < current_prompt_at);
