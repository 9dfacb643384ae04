-- Task prompts run more than once (same prompt_hash) among tasks that started within the
-- last :days days (default 30, rolling, UTC), latest attempt first: how many attempts,
-- how many failed or succeeded, and whether a retry fixed it (recovered = the first
-- attempt did not succeed and a later one did). node_execution_id and run_id are the latest
-- attempt's. Empty :project / :agent_type mean all.
-- The prompts run more than once are found from idx_node_exec_started_totals_cost alone
-- (range on started_at; the other columns used are in the index); only their attempts are
-- then read (idx_node_exec_prompt_hash), prompt and name only for the latest attempts.
WITH window AS (
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since
),
repeated AS (
    SELECT n.prompt_hash
    FROM node_executions AS n INDEXED BY idx_node_exec_started_totals_cost
    WHERE n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM window)
      AND n.prompt_hash IS NOT NULL
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
    GROUP BY n.prompt_hash
    HAVING count(*) > 1
),
attempts AS (
    SELECT
        n.id,
        n.prompt_hash,
        n.agent_type,
        n.status,
        n.outcome,
        n.started_at,
        n.run_id,
        n.session_id,
        n.project,
        row_number() OVER (
            PARTITION BY n.prompt_hash ORDER BY n.started_at, n.id) AS oldest_first,
        row_number() OVER (
            PARTITION BY n.prompt_hash ORDER BY n.started_at DESC, n.id DESC) AS newest_first
    FROM node_executions AS n
    WHERE n.prompt_hash IN (SELECT prompt_hash FROM repeated)
      AND n.duplicate_of IS NULL AND n.started_at >= (SELECT since FROM window)
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
),
retried AS (
    SELECT
        prompt_hash,
        count(*) AS attempts,
        count(CASE WHEN status = 'failed' OR outcome = 'failure' THEN 1 END) AS failures,
        count(CASE WHEN outcome = 'success' THEN 1 END) AS successes,
        count(DISTINCT session_id) AS sessions,
        min(started_at) AS first_started_at,
        max(started_at) AS last_started_at,
        max(CASE WHEN oldest_first > 1 AND outcome = 'success' THEN 1 ELSE 0 END)
            AS later_success,
        max(CASE WHEN oldest_first = 1 AND outcome = 'success' THEN 1 ELSE 0 END)
            AS first_success
    FROM attempts
    GROUP BY prompt_hash
    HAVING count(*) > 1
)
SELECT
    g.prompt_hash,
    detail.node_name,
    latest.agent_type,
    g.attempts,
    g.failures,
    g.successes,
    earliest.status AS first_status,
    latest.status AS last_status,
    latest.outcome AS last_outcome,
    CASE WHEN g.first_success = 0 AND g.later_success = 1 THEN 1 ELSE 0 END AS recovered,
    g.sessions,
    g.first_started_at,
    g.last_started_at,
    latest.id AS node_execution_id,
    latest.run_id AS run_id,
    latest.project,
    substr(detail.prompt, 1, 300) AS prompt
FROM retried AS g
JOIN attempts AS latest ON latest.prompt_hash = g.prompt_hash AND latest.newest_first = 1
JOIN attempts AS earliest ON earliest.prompt_hash = g.prompt_hash AND earliest.oldest_first = 1
JOIN node_executions AS detail ON detail.id = latest.id
ORDER BY g.last_started_at DESC, g.prompt_hash
LIMIT 200
