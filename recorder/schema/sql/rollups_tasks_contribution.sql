-- One row's contribution to a tasks rollup ({table}: rollup_tasks_daily, or its
-- all-projects twin), added ({row}.sign = 1) or taken away ({row}.sign = -1). A template:
-- {row} is the signed row inserted into the source's changes view, {match} the equality of
-- the table's key with the row's, {keys} the key columns and {values} the row's values for
-- them; filled in by recorder.schema.rollups to make the body of that view's trigger. Not
-- run on its own. A row marked as ELF's duplicate of one of ours (duplicate_of)
-- contributes nothing. other_tokens: what token_count holds beyond the four kinds (never
-- below 0 for a row); *_tokened, api_called: how many rows had that value (so a sum over
-- none reads NULL, as over the rows). The rollup row a taking away leaves at zero goes.
UPDATE {table} SET
    tasks = tasks + {row}.sign,
    timed = timed + {row}.sign * ({row}.duration_ms IS NOT NULL),
    duration_ms = duration_ms + {row}.sign * coalesce({row}.duration_ms, 0),
    tokened = tokened + {row}.sign * ({row}.token_count IS NOT NULL),
    token_count = token_count + {row}.sign * coalesce({row}.token_count, 0),
    input_tokens = input_tokens + {row}.sign * coalesce({row}.input_tokens, 0),
    output_tokens = output_tokens + {row}.sign * coalesce({row}.output_tokens, 0),
    cache_read_tokens = cache_read_tokens + {row}.sign * coalesce({row}.cache_read_tokens, 0),
    cache_creation_tokens =
        cache_creation_tokens + {row}.sign * coalesce({row}.cache_creation_tokens, 0),
    other_tokens = other_tokens + {row}.sign * max(coalesce({row}.token_count, 0)
        - coalesce({row}.input_tokens, 0) - coalesce({row}.output_tokens, 0)
        - coalesce({row}.cache_read_tokens, 0) - coalesce({row}.cache_creation_tokens, 0), 0),
    costed = costed + {row}.sign * ({row}.cost_usd IS NOT NULL),
    cost_usd = cost_usd + {row}.sign * coalesce({row}.cost_usd, 0),
    tool_used = tool_used + {row}.sign * ({row}.tool_use_count IS NOT NULL),
    tool_use_count = tool_use_count + {row}.sign * coalesce({row}.tool_use_count, 0),
    input_tokened = input_tokened + {row}.sign * ({row}.input_tokens IS NOT NULL),
    output_tokened = output_tokened + {row}.sign * ({row}.output_tokens IS NOT NULL),
    cache_read_tokened = cache_read_tokened + {row}.sign * ({row}.cache_read_tokens IS NOT NULL),
    cache_creation_tokened =
        cache_creation_tokened + {row}.sign * ({row}.cache_creation_tokens IS NOT NULL),
    api_called = api_called + {row}.sign * ({row}.api_calls IS NOT NULL),
    api_calls = api_calls + {row}.sign * coalesce({row}.api_calls, 0)
WHERE {match} AND {row}.duplicate_of IS NULL;
INSERT INTO {table}(
    {keys}, tasks, timed, duration_ms, tokened, token_count, input_tokens, output_tokens,
    cache_read_tokens, cache_creation_tokens, other_tokens, costed, cost_usd, tool_used,
    tool_use_count, input_tokened, output_tokened, cache_read_tokened, cache_creation_tokened,
    api_called, api_calls)
SELECT
    {values}, {row}.sign,
    {row}.sign * ({row}.duration_ms IS NOT NULL), {row}.sign * coalesce({row}.duration_ms, 0),
    {row}.sign * ({row}.token_count IS NOT NULL), {row}.sign * coalesce({row}.token_count, 0),
    {row}.sign * coalesce({row}.input_tokens, 0), {row}.sign * coalesce({row}.output_tokens, 0),
    {row}.sign * coalesce({row}.cache_read_tokens, 0),
    {row}.sign * coalesce({row}.cache_creation_tokens, 0),
    {row}.sign * max(coalesce({row}.token_count, 0)
        - coalesce({row}.input_tokens, 0) - coalesce({row}.output_tokens, 0)
        - coalesce({row}.cache_read_tokens, 0) - coalesce({row}.cache_creation_tokens, 0), 0),
    {row}.sign * ({row}.cost_usd IS NOT NULL), {row}.sign * coalesce({row}.cost_usd, 0),
    {row}.sign * ({row}.tool_use_count IS NOT NULL), {row}.sign * coalesce({row}.tool_use_count, 0),
    {row}.sign * ({row}.input_tokens IS NOT NULL), {row}.sign * ({row}.output_tokens IS NOT NULL),
    {row}.sign * ({row}.cache_read_tokens IS NOT NULL),
    {row}.sign * ({row}.cache_creation_tokens IS NOT NULL),
    {row}.sign * ({row}.api_calls IS NOT NULL), {row}.sign * coalesce({row}.api_calls, 0)
WHERE changes() = 0 AND {row}.duplicate_of IS NULL;
DELETE FROM {table} WHERE {row}.sign < 0 AND tasks = 0 AND {match};
