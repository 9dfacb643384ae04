-- The session's main transcript (its subagents' transcripts are in a folder beside it).
SELECT transcript_path FROM sessions WHERE id = :session_id;
