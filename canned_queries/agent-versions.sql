-- Versions of agent definition files side by side: one row per agent type and version
-- (agent_definition_hash, the hash of the definition file's content when the task ran)
-- among tasks started within the last :days days (default 30, rolling, UTC), oldest
-- version first within each type. failure_rate = failed / finished (finished = completed
-- or failed; failed = status failed or completed with outcome failure); successes =
-- finished - failed; median_ms over finished tasks with a duration, read from the duration
-- histograms (the middle of the bucket holding the middle rank: within 5%); tokens and
-- cost per successful task = everything the version spent (failures included) / its
-- successes; description and source are those of the version's latest task in the range.
-- Tasks of agent types without a definition file (built-in types) are not listed.
-- Empty :project / :agent_type mean all. All projects: whole days after the first come
-- from rollup_tasks_daily_all and rollup_durations_daily_all (keyed by version), the
-- first day from the rows; a project: the rows. Rows, first and last tasks through
-- idx_node_exec_agent_definition.
-- With all projects, the whole weeks from the first Monday after the first day come from
-- the weekly twins (rollup_tasks_weekly_all, rollup_durations_weekly_all), the days
-- before that Monday from the daily ones.
WITH bounds AS (
    SELECT since, substr(since, 1, 10) AS day, date(substr(since, 1, 10), '+1 day') AS next_day,
           date(substr(since, 1, 10), '+1 day', 'weekday 1') AS monday
    FROM (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                          '-' || coalesce(nullif(trim(:days), ''), 30) || ' days') AS since)
),
tasks AS (
    SELECT n.agent_type, n.agent_definition_hash AS version, n.status, n.outcome,
           n.duration_ms, n.token_count, n.cost_usd
    FROM node_executions AS n
    WHERE n.agent_definition_hash IS NOT NULL AND n.duplicate_of IS NULL
      AND n.started_at >= (SELECT since FROM bounds)
      AND (ifnull(:project, '') <> '' OR n.started_at < (SELECT next_day FROM bounds))
      AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
),
counted AS (
    SELECT r.agent_type, r.agent_definition_hash AS version, r.status, r.outcome, r.tasks,
           r.tokened, r.token_count, r.costed, r.cost_usd
    FROM rollup_tasks_weekly_all AS r
    WHERE ifnull(:project, '') = '' AND r.agent_definition_hash IS NOT NULL
      AND r.week >= (SELECT monday FROM bounds)
      AND (ifnull(:agent_type, '') = '' OR r.agent_type = :agent_type)
    UNION ALL
    SELECT r.agent_type, r.agent_definition_hash AS version, r.status, r.outcome, r.tasks,
           r.tokened, r.token_count, r.costed, r.cost_usd
    FROM rollup_tasks_daily_all AS r
    WHERE ifnull(:project, '') = '' AND r.agent_definition_hash IS NOT NULL
      AND r.day > (SELECT day FROM bounds)
      AND r.day < (SELECT monday FROM bounds)
      AND (ifnull(:agent_type, '') = '' OR r.agent_type = :agent_type)
    UNION ALL
    SELECT agent_type, version, status, outcome, 1, token_count IS NOT NULL,
           coalesce(token_count, 0), cost_usd IS NOT NULL, coalesce(cost_usd, 0)
    FROM tasks
),
histogram AS (
    SELECT agent_type, version, bucket, sum(tasks) AS tasks
    FROM (
        SELECT d.agent_type, d.agent_definition_hash AS version, d.bucket, d.tasks
        FROM rollup_durations_weekly_all AS d
        WHERE ifnull(:project, '') = '' AND d.agent_definition_hash IS NOT NULL
          AND d.week >= (SELECT monday FROM bounds)
          AND (ifnull(:agent_type, '') = '' OR d.agent_type = :agent_type)
        UNION ALL
        SELECT d.agent_type, d.agent_definition_hash AS version, d.bucket, d.tasks
        FROM rollup_durations_daily_all AS d
        WHERE ifnull(:project, '') = '' AND d.agent_definition_hash IS NOT NULL
          AND d.day > (SELECT day FROM bounds)
          AND d.day < (SELECT monday FROM bounds)
          AND (ifnull(:agent_type, '') = '' OR d.agent_type = :agent_type)
        UNION ALL
        SELECT agent_type, version,
               (SELECT b.bucket FROM rollup_duration_buckets AS b
                WHERE b.low_ms <= max(duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1), 1
        FROM tasks
        WHERE duration_ms IS NOT NULL AND status IN ('completed', 'failed')
    )
    GROUP BY agent_type, version, bucket
    HAVING sum(tasks) > 0
),
ranked AS (
    SELECT h.agent_type, h.version, b.value_ms,
           sum(h.tasks) OVER (PARTITION BY h.agent_type, h.version ORDER BY h.bucket)
               - h.tasks AS below,
           sum(h.tasks) OVER (PARTITION BY h.agent_type, h.version ORDER BY h.bucket) AS upto,
           sum(h.tasks) OVER (PARTITION BY h.agent_type, h.version) AS cnt
    FROM histogram AS h
    JOIN rollup_duration_buckets AS b ON b.bucket = h.bucket
),
medians AS (
    SELECT
        agent_type,
        version,
        (max(CASE WHEN below < (cnt + 1) / 2 AND upto >= (cnt + 1) / 2 THEN value_ms END)
         + max(CASE WHEN below < (cnt + 2) / 2 AND upto >= (cnt + 2) / 2 THEN value_ms END))
            / 2 AS median_ms
    FROM ranked
    GROUP BY agent_type, version
),
versions AS (
    SELECT
        agent_type,
        version,
        sum(tasks) AS tasks,
        sum(CASE WHEN status IN ('completed', 'failed') THEN tasks ELSE 0 END) AS finished,
        sum(CASE WHEN status = 'failed' OR (status = 'completed' AND outcome = 'failure')
                 THEN tasks ELSE 0 END) AS failed,
        CASE WHEN sum(tokened) > 0 THEN sum(token_count) END AS tokens,
        CASE WHEN sum(costed) > 0 THEN sum(cost_usd) END AS cost_usd
    FROM counted
    GROUP BY agent_type, version
    HAVING sum(tasks) > 0
),
seen AS (
    SELECT
        v.*,
        (SELECT n.id FROM node_executions AS n
         WHERE n.agent_type IS v.agent_type AND n.agent_definition_hash = v.version
           AND n.agent_definition_hash IS NOT NULL AND n.started_at >= (SELECT since FROM bounds)
           AND n.duplicate_of IS NULL
           AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
         ORDER BY n.started_at, n.id LIMIT 1) AS first_id,
        (SELECT n.id FROM node_executions AS n
         WHERE n.agent_type IS v.agent_type AND n.agent_definition_hash = v.version
           AND n.agent_definition_hash IS NOT NULL AND n.started_at >= (SELECT since FROM bounds)
           AND n.duplicate_of IS NULL
           AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
         ORDER BY n.started_at DESC, n.id DESC LIMIT 1) AS last_id
    FROM versions AS v
)
SELECT
    s.agent_type,
    s.version,
    latest.agent_definition_description AS description,
    latest.agent_definition_source AS source,
    s.tasks,
    s.finished,
    s.failed,
    round(CAST(s.failed AS REAL) / nullif(s.finished, 0), 4) AS failure_rate,
    CAST(m.median_ms AS INTEGER) AS median_ms,
    s.finished - s.failed AS successes,
    CAST(round(CAST(s.tokens AS REAL) / nullif(s.finished - s.failed, 0)) AS INTEGER)
        AS tokens_per_success,
    round(s.cost_usd / nullif(s.finished - s.failed, 0), 6) AS cost_per_success_usd,
    first.started_at AS first_seen,
    latest.started_at AS last_seen
FROM seen AS s
JOIN node_executions AS first ON first.id = s.first_id
JOIN node_executions AS latest ON latest.id = s.last_id
LEFT JOIN medians AS m ON m.agent_type IS s.agent_type AND m.version = s.version
ORDER BY s.agent_type, first.started_at, s.version
LIMIT 500
