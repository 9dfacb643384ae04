-- The rollups recomputed from the rows (the migration's fill, and a rebuild).
DELETE FROM rollup_tasks_daily;
DELETE FROM rollup_durations_daily;
DELETE FROM rollup_tasks_daily_all;
DELETE FROM rollup_durations_daily_all;
INSERT INTO rollup_tasks_daily(
    day, project, agent_type, model, status, outcome, tasks, timed, duration_ms, tokened,
    token_count, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
    other_tokens, costed, cost_usd, tool_used, tool_use_count)
SELECT
    substr(n.started_at, 1, 10), n.project, n.agent_type, n.model, n.status, n.outcome,
    count(*), count(n.duration_ms), coalesce(sum(n.duration_ms), 0),
    count(n.token_count), coalesce(sum(n.token_count), 0),
    coalesce(sum(n.input_tokens), 0), coalesce(sum(n.output_tokens), 0),
    coalesce(sum(n.cache_read_tokens), 0), coalesce(sum(n.cache_creation_tokens), 0),
    coalesce(sum(max(coalesce(n.token_count, 0) - coalesce(n.input_tokens, 0)
        - coalesce(n.output_tokens, 0) - coalesce(n.cache_read_tokens, 0)
        - coalesce(n.cache_creation_tokens, 0), 0)), 0),
    count(n.cost_usd), coalesce(sum(n.cost_usd), 0),
    count(n.tool_use_count), coalesce(sum(n.tool_use_count), 0)
FROM node_executions AS n
WHERE n.duplicate_of IS NULL
GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO rollup_durations_daily(day, project, agent_type, bucket, tasks)
SELECT
    substr(n.started_at, 1, 10), n.project, n.agent_type,
    (SELECT b.bucket FROM rollup_duration_buckets AS b
     WHERE b.low_ms <= max(n.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1) AS bucket,
    count(*)
FROM node_executions AS n
WHERE n.duration_ms IS NOT NULL AND n.status IN ('completed', 'failed')
  AND n.duplicate_of IS NULL
GROUP BY 1, 2, 3, 4;
-- The all-projects twins: the same sums with the project left out.
INSERT INTO rollup_tasks_daily_all(
    day, agent_type, model, status, outcome, tasks, timed, duration_ms, tokened,
    token_count, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
    other_tokens, costed, cost_usd, tool_used, tool_use_count)
SELECT
    day, agent_type, model, status, outcome, sum(tasks), sum(timed), sum(duration_ms),
    sum(tokened), sum(token_count), sum(input_tokens), sum(output_tokens),
    sum(cache_read_tokens), sum(cache_creation_tokens), sum(other_tokens), sum(costed),
    sum(cost_usd), sum(tool_used), sum(tool_use_count)
FROM rollup_tasks_daily
GROUP BY day, agent_type, model, status, outcome;
INSERT INTO rollup_durations_daily_all(day, agent_type, bucket, tasks)
SELECT day, agent_type, bucket, sum(tasks)
FROM rollup_durations_daily
GROUP BY day, agent_type, bucket;
