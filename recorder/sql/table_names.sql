-- The tables of the database.
SELECT name FROM sqlite_master WHERE type = 'table';
