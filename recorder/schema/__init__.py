"""The schema: migrations, the SQL files and their loading, the rollup tables."""
