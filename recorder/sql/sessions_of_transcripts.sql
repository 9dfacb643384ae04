-- The recorded sessions whose main transcript is one of the files (a JSON list of paths).
SELECT id, transcript_path FROM sessions
WHERE transcript_path IN (SELECT value FROM json_each(:paths));
