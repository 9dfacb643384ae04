-- Versions of agent definition files side by side: one row per agent type and version
-- (agent_definition_hash, the hash of the definition file's content when the task ran)
-- among tasks started within the last :days days (default 30, rolling, UTC), oldest
-- version first within each type. failure_rate = failed / finished (finished = completed
-- or failed; failed = status failed or completed with outcome failure); successes =
-- finished - failed; median_ms over finished tasks with a duration; tokens and cost per
-- successful task = everything the version spent (failures included) / its successes.
-- Tasks of agent types without a definition file (built-in types) are not listed.
-- Empty :project / :agent_type mean all. Uses idx_node_exec_agent_definition.
WITH tasks AS (
    SELECT
        n.agent_type,
        n.agent_definition_hash AS version,
        n.agent_definition_description AS description,
        n.agent_definition_source AS source,
        n.status,
        n.outcome,
        n.duration_ms,
        n.token_count,
        n.cost_usd,
        n.started_at,
        n.status IN ('completed', 'failed') AND n.duration_ms IS NOT NULL AS timed,
        n.status = 'failed' OR (n.status = 'completed' AND n.outcome = 'failure') AS failed
    FROM node_executions AS n
    WHERE n.agent_definition_hash IS NOT NULL AND n.duplicate_of IS NULL
      AND n.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 30) || ' days')
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
),
ranked AS (
    SELECT
        tasks.*,
        row_number() OVER (PARTITION BY agent_type, version, timed ORDER BY duration_ms) AS rn,
        sum(timed) OVER (PARTITION BY agent_type, version) AS cnt
    FROM tasks
),
versions AS (
    SELECT
        agent_type,
        version,
        max(description) AS description,
        max(source) AS source,
        count(*) AS tasks,
        sum(status IN ('completed', 'failed')) AS finished,
        sum(failed) AS failed,
        sum(status IN ('completed', 'failed') AND NOT failed) AS successes,
        avg(CASE WHEN timed AND rn IN ((cnt + 1) / 2, (cnt + 2) / 2) THEN duration_ms END)
            AS median_ms,
        sum(token_count) AS tokens,
        sum(cost_usd) AS cost_usd,
        min(started_at) AS first_seen,
        max(started_at) AS last_seen
    FROM ranked
    GROUP BY agent_type, version
)
SELECT
    agent_type,
    version,
    description,
    source,
    tasks,
    finished,
    failed,
    round(CAST(failed AS REAL) / nullif(finished, 0), 4) AS failure_rate,
    CAST(median_ms AS INTEGER) AS median_ms,
    successes,
    CAST(round(CAST(tokens AS REAL) / nullif(successes, 0)) AS INTEGER) AS tokens_per_success,
    round(cost_usd / nullif(successes, 0), 6) AS cost_per_success_usd,
    first_seen,
    last_seen
FROM versions
ORDER BY agent_type, first_seen, version
LIMIT 500
