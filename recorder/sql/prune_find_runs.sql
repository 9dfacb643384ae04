-- The runs older than :cutoff. A run's last activity is the latest of its own updated_at,
-- completed_at, started_at and created_at and of its nodes' updated_at, completed_at and
-- started_at; a run with no time at all is never pruned. With :keep_failures, a run with a
-- failed node (or a failed status) is kept.
WITH node_activity AS (
    SELECT run_id,
           max(max(coalesce(updated_at, ''), coalesce(completed_at, ''),
                   coalesce(started_at, ''))) AS last_at
    FROM node_executions
    GROUP BY run_id
),
run_activity AS (
    SELECT r.id, r.status,
           max(coalesce(r.updated_at, ''), coalesce(r.completed_at, ''),
               coalesce(r.started_at, ''), coalesce(r.created_at, ''),
               coalesce(n.last_at, '')) AS last_at
    FROM workflow_runs AS r
    LEFT JOIN node_activity AS n ON n.run_id = r.id
)
INSERT INTO temp.prune_candidates (id)
SELECT a.id
FROM run_activity AS a
WHERE a.last_at > '' AND a.last_at < :cutoff
  AND NOT (:keep_failures AND (
      a.status = 'failed'
      OR EXISTS (SELECT 1 FROM node_executions AS f WHERE f.run_id = a.id AND f.status = 'failed')
  ));
