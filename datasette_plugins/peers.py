"""Dashboard panels of what peers do not show: agent definition versions and capture coverage.

The agent-versions panel runs the ``agent-versions`` canned query itself (one SQL for
both), with the dashboard's range in days; the coverage tile reads capture_coverage.sql.
"""

from __future__ import annotations

import math
from datetime import datetime

from datasette.database import QueryInterrupted

from . import links
from .sqlfiles import PanelError, rows

ALL_DAYS = 36500  # "all time" for a query that takes a number of days
VERSIONS_SHOWN = 30


def range_days(filters) -> int:
    from .dashboard import RANGES

    span = RANGES[filters.range][2]
    return ALL_DAYS if span is None else max(1, math.ceil(span.total_seconds() / 86400))


async def agent_versions(db, queries: dict, filters, now: datetime) -> list[dict] | None:
    """The agent-versions rows for the range, only agent types with two versions or more
    first; None when the canned query is not installed."""
    query = queries.get("agent-versions")
    if query is None:
        return None
    params = {
        "days": str(range_days(filters)),
        "project": filters.project or "",
        "agent_type": filters.agent_type or "",
    }
    try:
        results = await db.execute(query["sql"], params)
    except QueryInterrupted as exc:
        raise PanelError("this took longer than Datasette's time limit") from exc
    except Exception as exc:
        raise PanelError(f"this could not be computed: {exc}") from exc
    found = [dict(row) for row in results.rows]
    versions: dict[str, int] = {}
    for row in found:
        versions[row["agent_type"]] = versions.get(row["agent_type"], 0) + 1
    found.sort(key=lambda r: (versions[r["agent_type"]] < 2, r["agent_type"], r["first_seen"]))
    shown = found[:VERSIONS_SHOWN]
    for i, row in enumerate(shown):
        row["versions"] = versions[row["agent_type"]]
        row["first_of_type"] = i == 0 or shown[i - 1]["agent_type"] != row["agent_type"]
    return shown


async def capture(db, filters, now: datetime) -> dict:
    """Tasks in the range, how many the hook missed, and the share it recorded."""
    from .dashboard import BEGINNING

    params = filters.params(now)
    found = (await rows(db, "capture_coverage", params))[0]
    total = found["recorded"] + found["unrecorded"]
    missed = found["backfilled"] + found["unrecorded"]
    found.update(
        total=total,
        missed=missed,
        coverage=(total - missed) / total if total else None,
        since=None if params["since"] == BEGINNING else params["since"],
    )
    return found


def add_links(datasette, database: str, filters, data: dict, queries: dict) -> None:
    """Where the new panels lead: the canned queries, over the same range."""
    days = range_days(filters)
    for row in data.get("agent_versions") or []:
        row["href"] = links.canned(
            datasette, database, "agent-versions", agent_type=row["agent_type"], days=days
        )
    for key, name in (("agent_versions", "agent-versions"), ("capture_gaps", "capture-gaps")):
        data["links"][key] = (
            links.canned(datasette, database, name, days=days) if name in queries else None
        )
