-- The triggers and indexes a large load defers (recorder.derive.deferral): the triggers
-- that keep the nodes' full-text index and the rollups, the indexes only pages read (:names,
-- a JSON array of their names).
SELECT type, name, sql FROM sqlite_master
WHERE type IN ('trigger', 'index') AND name IN (SELECT value FROM json_each(:names))
ORDER BY name;
