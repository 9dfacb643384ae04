-- The recorded sessions whose main transcript is one of the files (a JSON list of paths),
-- with the time of their last event (when a read of the transcript is kept).
SELECT id, transcript_path,
       coalesce(ended_at, last_event_at, turn_ended_at, started_at, created_at) AS at
FROM sessions
WHERE transcript_path IN (SELECT value FROM json_each(:paths));
