-- Whether some trigger is deferred (a load runs, or one died before restoring).
SELECT EXISTS (SELECT 1 FROM deferred_triggers);
