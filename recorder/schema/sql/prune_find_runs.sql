-- The runs older than :cutoff (see prune_run_activity); a run with no time at all is never
-- pruned. With :keep_failures, a run with a failed node (or a failed status) is kept.
INSERT INTO temp.prune_candidates (id)
SELECT id FROM temp.prune_run_activity
WHERE last_at > '' AND last_at < :cutoff AND NOT (:keep_failures AND failed);
