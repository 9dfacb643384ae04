-- How many of the latest :window kept events the hook kept (what doctor's kept-twice line
-- looked at).
SELECT count(*) FROM (
    SELECT 1 FROM kept_events WHERE source = 'hook' ORDER BY id DESC LIMIT :window
);
