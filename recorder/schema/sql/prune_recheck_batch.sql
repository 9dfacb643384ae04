-- Inside the batch's transaction: a run of the batch that was heard from since it was
-- chosen (newer activity, or a failure with :keep_failures) is no longer a candidate, and
-- leaves the batch; so a prune deletes exactly what is old when it deletes.
DELETE FROM temp.prune_candidates
WHERE id IN (SELECT id FROM temp.prune_runs)
  AND id NOT IN (
      SELECT a.id FROM temp.prune_run_activity AS a
      WHERE a.id IN (SELECT id FROM temp.prune_runs)
        AND a.last_at > '' AND a.last_at < :cutoff AND NOT (:keep_failures AND a.failed));
DELETE FROM temp.prune_runs WHERE id NOT IN (SELECT id FROM temp.prune_candidates);
