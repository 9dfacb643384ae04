-- The triggers whose SQL mentions :name (name, sql).
SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%' || :name || '%';
