-- The failed attempt a new node retries, if any: in the same session, a node that failed
-- (status failed, or outcome failure) and had finished when this one started, with the
-- same prompt (prompt_hash), or the same description and agent type in the same run
-- (turn) or the session's run just before it; one not already retried; the latest.
-- Uses idx_node_exec_failed_in_session.
SELECT
    p.id,
    coalesce(p.attempt, 1) AS attempt,
    coalesce(p.first_attempt_id, p.id) AS first_attempt_id
FROM node_executions AS p
WHERE p.session_id = :session_id
  AND (p.status = 'failed' OR p.outcome = 'failure')
  AND p.completed_at <= :started_at
  AND p.id <> :id
  AND p.duplicate_of IS NULL
  AND (p.prompt_hash = :prompt_hash
       OR (p.node_name = :node_name AND p.agent_type IS :agent_type
           AND p.run_id IN (:run_id, (
               SELECT prev.id FROM workflow_runs AS cur
               JOIN workflow_runs AS prev ON prev.session_id = cur.session_id
               WHERE cur.id = :run_id AND prev.id <> cur.id AND prev.duplicate_of IS NULL
                 AND prev.started_at <= cur.started_at
               ORDER BY prev.started_at DESC, prev.id DESC LIMIT 1))))
  AND NOT EXISTS (SELECT 1 FROM node_executions AS r WHERE r.retry_of = p.id)
ORDER BY p.completed_at DESC, p.id DESC
LIMIT 1;
