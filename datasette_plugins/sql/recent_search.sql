-- The node table's search (?_search=): the newest :recent_search_limit tasks whose text
-- matches, newest first, so a word found in a quarter of a million tasks is answered (and
-- counted) as fast as a rare one. Datasette's search syntax: words escaped, all required.
id IN (
    SELECT rowid FROM node_executions_fts
    WHERE node_executions_fts MATCH escape_fts(:recent_search)
    ORDER BY rowid DESC
    LIMIT :recent_search_limit
)
