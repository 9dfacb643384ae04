-- Full-text search over task names, prompts, results and error messages (FTS5), best
-- match first (bm25, a match in the task name counting most), with a snippet in which
-- the matched words are wrapped in <mark>…</mark>.
-- :q is plain text: every word must appear (any column), a word ending in * matches as a
-- prefix; quotes and operators in :q are taken literally, so any input is safe. An empty
-- :q matches nothing. Empty :project / :agent_type / :status mean all.
WITH RECURSIVE
words(word, rest) AS (
    SELECT '', trim(replace(replace(replace(ifnull(:q, ''),
        char(9), ' '), char(10), ' '), char(13), ' ')) || ' '
    UNION ALL
    SELECT substr(rest, 1, instr(rest, ' ') - 1), ltrim(substr(rest, instr(rest, ' ') + 1))
    FROM words
    WHERE rest <> ''
),
query(expression) AS (
    SELECT ifnull(group_concat(
        '"' || replace(rtrim(word, '*'), '"', '""') || '"'
            || CASE WHEN word LIKE '%*' THEN '*' ELSE '' END,
        ' '), '""')
    FROM words
    WHERE rtrim(word, '*') <> ''
)
SELECT
    n.id AS node_execution_id,
    n.node_name,
    snippet(node_executions_fts, -1, '<mark>', '</mark>', '…', 24) AS snippet,
    round(-node_executions_fts.rank, 3) AS relevance,
    n.agent_type,
    n.status,
    n.outcome,
    n.started_at,
    n.run_id,
    n.session_id,
    n.project
FROM node_executions_fts
JOIN node_executions AS n ON n.id = node_executions_fts.rowid
WHERE n.duplicate_of IS NULL AND node_executions_fts MATCH (SELECT expression FROM query)
  AND node_executions_fts.rank MATCH 'bm25(10.0, 2.0, 1.0, 2.0)'
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
  AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
  AND (ifnull(:status, '') = '' OR n.status = :status)
ORDER BY node_executions_fts.rank
LIMIT 100
