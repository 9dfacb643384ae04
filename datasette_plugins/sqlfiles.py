"""The SQL this plugin runs: one statement per file in ``datasette_plugins/sql/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from datasette.database import QueryInterrupted

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class PanelError(Exception):
    """A query failed or ran out of time; the message is shown in place of its panel."""


async def rows(db, name: str, params: dict) -> list[dict]:
    """Run ``sql/<name>.sql`` on a Datasette Database (within its time limit) as dicts."""
    try:
        results = await db.execute(sql(name), params)
    except QueryInterrupted as exc:
        limit = db.ds.setting("sql_time_limit_ms")
        raise PanelError(
            f"this took longer than Datasette's time limit ({limit} ms): pick a shorter time "
            "range or a project, or raise the sql_time_limit_ms setting."
        ) from exc
    except Exception as exc:  # a database that lacks a column, a locked file...
        raise PanelError(f"this could not be computed: {exc}") from exc
    return [dict(row) for row in results.rows]
