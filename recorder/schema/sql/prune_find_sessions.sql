-- The sessions older than :cutoff (see prune_session_activity) that keep no run and no
-- node once the old runs are gone.
INSERT INTO temp.prune_sessions (id)
SELECT s.id
FROM temp.prune_session_activity AS s
WHERE s.last_at > '' AND s.last_at < :cutoff
  AND NOT EXISTS (
      SELECT 1 FROM workflow_runs AS r
      WHERE r.session_id = s.id AND r.id NOT IN (SELECT id FROM temp.prune_candidates))
  AND NOT EXISTS (
      SELECT 1 FROM node_executions AS n
      WHERE n.session_id = s.id AND n.run_id NOT IN (SELECT id FROM temp.prune_candidates));
