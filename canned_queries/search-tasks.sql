-- Full-text search over task names, prompts, results and error messages (FTS5), best
-- match first (bm25, a match in the task name counting most), with a snippet in which
-- the matched words are wrapped in <mark>…</mark>.
-- What a person reads: the newest 2,000 matching tasks (recorded last; the filters
-- applied) are ranked and the best 100 shown, so a common word answers as fast as a
-- rare one; total_matches says how many that was, "2000" meaning 2,000 or more.
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
),
candidates AS MATERIALIZED (
    SELECT f.rowid AS id, f.rank AS rank
    FROM node_executions_fts AS f
    WHERE node_executions_fts MATCH (SELECT expression FROM query)
      AND f.rank MATCH 'bm25(10.0, 2.0, 1.0, 2.0)'
      AND ((ifnull(:project, '') = '' AND ifnull(:agent_type, '') = ''
            AND ifnull(:status, '') = '')
           OR EXISTS (
               SELECT 1 FROM node_executions AS n
               WHERE n.id = f.rowid
                 AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
                 AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
                 AND (ifnull(:status, '') = '' OR n.status = :status)))
    ORDER BY f.rowid DESC
    LIMIT 2000
),
best AS (
    SELECT id, rank, (SELECT count(*) FROM candidates) AS total_matches
    FROM candidates
    ORDER BY rank, id DESC
    LIMIT 100
)
SELECT
    n.id AS node_execution_id,
    n.node_name,
    (SELECT snippet(node_executions_fts, -1, '<mark>', '</mark>', '…', 24)
     FROM node_executions_fts
     WHERE node_executions_fts MATCH (SELECT expression FROM query)
       AND node_executions_fts.rowid = best.id) AS snippet,
    round(-best.rank, 3) AS relevance,
    n.agent_type,
    n.status,
    n.outcome,
    n.started_at,
    n.run_id,
    n.session_id,
    n.project,
    best.total_matches
FROM best
JOIN node_executions AS n ON n.id = best.id
WHERE n.duplicate_of IS NULL
ORDER BY best.rank, best.id DESC
LIMIT 100
