-- A node's place in its task's attempts: the failed attempt it retries (NULL: a first attempt).
UPDATE node_executions SET
    retry_of = :retry_of,
    attempt = :attempt,
    first_attempt_id = :first_attempt_id
WHERE id = :id;
