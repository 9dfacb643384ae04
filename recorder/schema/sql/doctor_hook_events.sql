-- How many of the latest :window kept events the hook kept (what doctor's kept-twice line
-- looked at).
SELECT count(*) FROM (SELECT source FROM kept_events ORDER BY id DESC LIMIT :window)
WHERE source = 'hook';
