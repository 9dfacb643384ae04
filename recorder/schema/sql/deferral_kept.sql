-- The deferred triggers and indexes, with whether one of that name exists again (a migration may have
-- made it while the load ran).
SELECT d.name, d.sql,
       EXISTS (SELECT 1 FROM sqlite_master AS m WHERE m.name = d.name)
           AS present
FROM deferred_triggers AS d
ORDER BY d.name;
