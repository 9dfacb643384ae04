-- The last kept event of the next range of at most :size after :after (NULL: none left);
-- rebuild's workers judge the reports of a range (recorder.derive.judging).
SELECT max(id) FROM (SELECT id FROM kept_events WHERE id > :after ORDER BY id LIMIT :size);
