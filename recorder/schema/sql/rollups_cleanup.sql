-- After a row's contribution was taken away ({row} = old): the rollup rows it emptied go,
-- so a finished task leaves no zero row behind (a template filled in by recorder.rollups).
DELETE FROM rollup_tasks_daily
WHERE tasks = 0
  AND day IS substr({row}.started_at, 1, 10) AND project IS {row}.project
  AND agent_type IS {row}.agent_type AND model IS {row}.model
  AND status IS {row}.status AND outcome IS {row}.outcome;
DELETE FROM rollup_durations_daily
WHERE tasks = 0 AND {row}.duration_ms IS NOT NULL AND {row}.status IN ('completed', 'failed')
  AND day IS substr({row}.started_at, 1, 10) AND project IS {row}.project
  AND agent_type IS {row}.agent_type;
