-- A signed row of rollups_changes ({row}: a node as it was, sign -1, or as it is, sign 1)
-- made into its parts of the node rollups, once for all of them: its day and week, its
-- other key values, its duration bucket (a finished row with a duration; else NULL) and
-- its signed part of each counted column, in the order of {columns}. A template filled in
-- by recorder.schema.rollups to make the body of rollups_changes' trigger; the rows go to
-- rollups_parts, whose trigger adds them to each rollup. A row marked as ELF's duplicate
-- of one of ours (duplicate_of) has no parts. other_tokens: what token_count holds beyond
-- the four kinds (never below 0 for a row); *_tokened, api_called: how many rows had that
-- value (so a sum over none reads NULL, as over the rows).
INSERT INTO rollups_parts({columns})
SELECT
    {day}, {week}, {row}.project, {row}.agent_type, {row}.agent_definition_hash, {row}.model,
    {row}.status, {row}.outcome, {row}.failure_kind,
    CASE WHEN {row}.duration_ms IS NOT NULL AND {row}.status IN ('completed', 'failed') THEN
        (SELECT b.bucket FROM rollup_duration_buckets AS b
         WHERE b.low_ms <= max({row}.duration_ms, 0) ORDER BY b.low_ms DESC LIMIT 1)
    END,
    {row}.sign,
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
WHERE {row}.duplicate_of IS NULL;
