-- Pairs among the hook's events in the latest :window kept events (read by id, so the
-- cost is the same for any size of table), for one session and subject and received
-- within two seconds of each other: the candidates for one event kept twice (a hook
-- registered twice runs twice for it). doctor compares their payloads.
WITH latest AS (
    SELECT id, session_id, subject, julianday(received_at) AS day, event, block_id
    FROM (SELECT * FROM kept_events ORDER BY id DESC LIMIT :window)
    WHERE source = 'hook'
)
SELECT a.id, a.event, a.block_id, b.id, b.event, b.block_id
FROM latest AS a JOIN latest AS b
    ON b.session_id IS a.session_id AND b.subject IS a.subject AND b.id > a.id
    AND abs(b.day - a.day) * 86400 < 2;
