-- The sessions older than :cutoff that keep no run and no node once the old runs are gone.
-- A session's last activity is the latest of last_event_at, ended_at and started_at
-- (created_at, the time it was written, only when it has none of these).
INSERT INTO temp.prune_sessions (id)
SELECT s.id
FROM sessions AS s
WHERE coalesce(nullif(max(coalesce(s.last_event_at, ''), coalesce(s.ended_at, ''),
                          coalesce(s.started_at, '')), ''), s.created_at, '') > ''
  AND coalesce(nullif(max(coalesce(s.last_event_at, ''), coalesce(s.ended_at, ''),
                          coalesce(s.started_at, '')), ''), s.created_at, '') < :cutoff
  AND NOT EXISTS (
      SELECT 1 FROM workflow_runs AS r
      WHERE r.session_id = s.id AND r.id NOT IN (SELECT id FROM temp.prune_candidates))
  AND NOT EXISTS (
      SELECT 1 FROM node_executions AS n
      WHERE n.session_id = s.id AND n.run_id NOT IN (SELECT id FROM temp.prune_candidates));
