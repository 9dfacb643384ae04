-- One row's contribution to the rollups, added ({sign} = +) or taken away ({sign} = -).
-- A template: {row} is new or old and {sign} + or -, filled in by recorder.rollups to
-- make the bodies of the triggers. Not run on its own. A row marked as ELF's duplicate of
-- one of ours (duplicate_of) contributes nothing.
UPDATE rollup_tasks_daily SET
    tasks = tasks {sign} 1,
    timed = timed {sign} ({row}.duration_ms IS NOT NULL),
    duration_ms = duration_ms {sign} coalesce({row}.duration_ms, 0),
    tokened = tokened {sign} ({row}.token_count IS NOT NULL),
    token_count = token_count {sign} coalesce({row}.token_count, 0),
    input_tokens = input_tokens {sign} coalesce({row}.input_tokens, 0),
    output_tokens = output_tokens {sign} coalesce({row}.output_tokens, 0),
    cache_read_tokens = cache_read_tokens {sign} coalesce({row}.cache_read_tokens, 0),
    cache_creation_tokens = cache_creation_tokens {sign} coalesce({row}.cache_creation_tokens, 0),
    costed = costed {sign} ({row}.cost_usd IS NOT NULL),
    cost_usd = cost_usd {sign} coalesce({row}.cost_usd, 0),
    tool_used = tool_used {sign} ({row}.tool_use_count IS NOT NULL),
    tool_use_count = tool_use_count {sign} coalesce({row}.tool_use_count, 0)
WHERE day IS substr({row}.started_at, 1, 10) AND project IS {row}.project
  AND agent_type IS {row}.agent_type AND model IS {row}.model
  AND status IS {row}.status AND outcome IS {row}.outcome AND {row}.duplicate_of IS NULL;
INSERT INTO rollup_tasks_daily(
    day, project, agent_type, model, status, outcome, tasks, timed, duration_ms, tokened,
    token_count, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
    costed, cost_usd, tool_used, tool_use_count)
SELECT
    substr({row}.started_at, 1, 10), {row}.project, {row}.agent_type, {row}.model,
    {row}.status, {row}.outcome, {sign} 1,
    {sign} ({row}.duration_ms IS NOT NULL), {sign} coalesce({row}.duration_ms, 0),
    {sign} ({row}.token_count IS NOT NULL), {sign} coalesce({row}.token_count, 0),
    {sign} coalesce({row}.input_tokens, 0), {sign} coalesce({row}.output_tokens, 0),
    {sign} coalesce({row}.cache_read_tokens, 0), {sign} coalesce({row}.cache_creation_tokens, 0),
    {sign} ({row}.cost_usd IS NOT NULL), {sign} coalesce({row}.cost_usd, 0),
    {sign} ({row}.tool_use_count IS NOT NULL), {sign} coalesce({row}.tool_use_count, 0)
WHERE changes() = 0 AND {row}.duplicate_of IS NULL;
UPDATE rollup_durations_daily SET tasks = tasks {sign} 1
WHERE {row}.duration_ms IS NOT NULL AND {row}.status IN ('completed', 'failed')
  AND {row}.duplicate_of IS NULL AND day IS substr({row}.started_at, 1, 10) AND project IS {row}.project
  AND agent_type IS {row}.agent_type
  AND bucket = (SELECT b.bucket FROM rollup_duration_buckets AS b
                WHERE b.low_ms <= max({row}.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1);
INSERT INTO rollup_durations_daily(day, project, agent_type, bucket, tasks)
SELECT
    substr({row}.started_at, 1, 10), {row}.project, {row}.agent_type,
    (SELECT b.bucket FROM rollup_duration_buckets AS b
     WHERE b.low_ms <= max({row}.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1),
    {sign} 1
WHERE changes() = 0 AND {row}.duplicate_of IS NULL
  AND {row}.duration_ms IS NOT NULL AND {row}.status IN ('completed', 'failed');
