-- The main agent's own spend, read from the session transcript.
UPDATE sessions SET
    main_cost_usd = :cost_usd,
    main_tokens = :token_count,
    main_api_calls = :api_calls,
    main_model = :model,
    cost_note = :cost_note
WHERE id = :session_id;
