-- A tasks rollup ({table}) recomputed from the rows (the migrations' fill, and a rebuild).
-- A template filled in by recorder.schema.rollups: {keys} the key columns, {values} the
-- row's (n) values for them, {groups} their positions.
DELETE FROM {table};
INSERT INTO {table}(
    {keys}, tasks, timed, duration_ms, tokened, token_count, input_tokens, output_tokens,
    cache_read_tokens, cache_creation_tokens, other_tokens, costed, cost_usd, tool_used,
    tool_use_count, input_tokened, output_tokened, cache_read_tokened, cache_creation_tokened,
    api_called, api_calls)
SELECT
    {values},
    count(*), count(n.duration_ms), coalesce(sum(n.duration_ms), 0),
    count(n.token_count), coalesce(sum(n.token_count), 0),
    coalesce(sum(n.input_tokens), 0), coalesce(sum(n.output_tokens), 0),
    coalesce(sum(n.cache_read_tokens), 0), coalesce(sum(n.cache_creation_tokens), 0),
    coalesce(sum(max(coalesce(n.token_count, 0) - coalesce(n.input_tokens, 0)
        - coalesce(n.output_tokens, 0) - coalesce(n.cache_read_tokens, 0)
        - coalesce(n.cache_creation_tokens, 0), 0)), 0),
    count(n.cost_usd), coalesce(sum(n.cost_usd), 0),
    count(n.tool_use_count), coalesce(sum(n.tool_use_count), 0),
    count(n.input_tokens), count(n.output_tokens), count(n.cache_read_tokens),
    count(n.cache_creation_tokens), count(n.api_calls), coalesce(sum(n.api_calls), 0)
FROM node_executions AS n
WHERE n.duplicate_of IS NULL
GROUP BY {groups};
