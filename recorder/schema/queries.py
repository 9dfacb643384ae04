"""The recorder's SQL statements, each in its own file under ``recorder/schema/sql/``."""

import os
import sqlite3

SQL_DIR = os.path.join(os.path.dirname(__file__), "sql")
_loaded: dict[str, str] = {}


def sql(name: str) -> str:
    """The text of ``recorder/schema/sql/<name>.sql`` (read once per process)."""
    if name not in _loaded:
        with open(os.path.join(SQL_DIR, name + ".sql"), encoding="utf-8") as f:
            _loaded[name] = f.read()
    return _loaded[name]


def split_statements(script: str) -> list[str]:
    """The complete statements of an SQL script, in order (ValueError for an unfinished one)."""
    found, statement = [], ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            found.append(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")
    return found


def add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """Add each missing column of ``columns`` (name -> declaration) to ``table``."""
    existing = {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}
    for name, declaration in columns.items():
        if name not in existing:
            conn.execute(f"ALTER TABLE [{table}] ADD COLUMN [{name}] {declaration}")
