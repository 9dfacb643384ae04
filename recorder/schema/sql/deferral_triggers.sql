-- The triggers a large load defers (recorder.derive.deferral): those that keep the nodes'
-- full-text index and the rollups (:names, a JSON array of their names).
SELECT name, sql FROM sqlite_master
WHERE type = 'trigger' AND name IN (SELECT value FROM json_each(:names))
ORDER BY name;
