"""The dashboard's data: filters from the query string, then every panel from one database.

Each panel is one .sql file. A panel whose query fails or exceeds Datasette's time limit
reports its error instead of taking the whole page down.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from datasette.utils.asgi import BadRequest

from . import formatting, links, peers
from .sqlfiles import PanelError, rows

RANGES = {  # key: (label, short label, span)
    "24h": ("Last 24 hours", "24 h", timedelta(hours=24)),
    "7d": ("Last 7 days", "7 d", timedelta(days=7)),
    "30d": ("Last 30 days", "30 d", timedelta(days=30)),
    "90d": ("Last 90 days", "90 d", timedelta(days=90)),
    "all": ("All time", "all time", None),
}
DEFAULT_RANGE = "30d"
STATUS_ORDER = ("completed", "failed", "cancelled", "abandoned", "running")
WEEKLY_AFTER_DAYS = 92
HOURLY_UP_TO = timedelta(days=1)  # ranges this short are drawn by the hour
TOKEN_KINDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "other_tokens",
)
CANNED_LINKS = {  # links key: canned query it points to, when that query exists
    "stuck": "stuck-tasks",
    "failed_week": "failed-tasks-this-week",
    "recent_runs": "recent-runs",
    "learnings_by_domain": "learnings-by-domain",
    "hotspots": "hotspots",
}
BEGINNING = "0000-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class Filters:
    range: str = DEFAULT_RANGE
    project: str | None = None
    agent_type: str | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        """The filters of a request; an unknown range is a bad request (400), as a bad
        parameter of a canned query is."""
        wanted = args.get("range") or DEFAULT_RANGE
        if wanted not in RANGES:
            raise BadRequest(f"range must be one of {', '.join(RANGES)}, not {wanted!r}")
        return cls(
            range=wanted,
            project=args.get("project") or None,
            agent_type=args.get("agent_type") or None,
        )

    @property
    def label(self) -> str:
        return RANGES[self.range][0]

    @property
    def short_label(self) -> str:
        return RANGES[self.range][1]

    def since(self, now: datetime) -> str:
        span = RANGES[self.range][2]
        return BEGINNING if span is None else formatting.iso(now - span)

    def params(self, now: datetime) -> dict:
        return {"since": self.since(now), "project": self.project, "agent_type": self.agent_type}

    def as_query(self) -> dict:
        """The filters as query-string parameters (defaults left out)."""
        return {
            "range": None if self.range == DEFAULT_RANGE else self.range,
            "project": self.project,
            "agent_type": self.agent_type,
        }


def failure_rate(failed, finished) -> float | None:
    return (failed or 0) / finished if finished else None


def bucket_labels(start: str, end: str, bucket: str) -> list[str]:
    """Every bucket (UTC hour, UTC date, or the Monday of a week) from ``start`` to ``end``."""
    if bucket == "hour":
        hour = datetime.strptime(start[:13], "%Y-%m-%dT%H")
        last_hour = datetime.strptime(end[:13], "%Y-%m-%dT%H")
        hours = []
        while hour <= last_hour and len(hours) < 2000:
            hours.append(hour.strftime("%Y-%m-%dT%H:00"))
            hour += timedelta(hours=1)
        return hours
    first = datetime.strptime(start[:10], "%Y-%m-%d").date()
    last = datetime.strptime(end[:10], "%Y-%m-%d").date()
    step = timedelta(days=1)
    if bucket == "week":
        first -= timedelta(days=first.weekday())
        last -= timedelta(days=last.weekday())
        step = timedelta(days=7)
    labels = []
    while first <= last and len(labels) < 2000:
        labels.append(first.isoformat())
        first += step
    return labels


async def options(db) -> dict:
    projects, agent_types = await asyncio.gather(
        rows(db, "projects", {}), rows(db, "agent_types", {})
    )
    return {
        "projects": [r["project"] for r in projects],
        "agent_types": [r["agent_type"] for r in agent_types],
    }


async def kpi_windows(db, filters: Filters, now: datetime) -> dict:
    """Tasks and runs in the last 24 hours and 7 days (fixed windows, other filters apply)."""
    params = {
        "day_ago": formatting.iso(now - timedelta(hours=24)),
        "week_ago": formatting.iso(now - timedelta(days=7)),
        "project": filters.project,
        "agent_type": filters.agent_type,
    }
    tasks, runs = await asyncio.gather(rows(db, "kpi_tasks", params), rows(db, "kpi_runs", params))
    return {**tasks[0], **runs[0]}


async def kpi_totals(db, filters: Filters, now: datetime) -> dict:
    """Failures, duration percentiles and tokens over the selected range."""
    totals = (await rows(db, "kpi_range", filters.params(now)))[0]
    totals["failure_rate"] = failure_rate(totals["failed"], totals["finished"])
    return totals


async def activity(db, filters: Filters, now: datetime) -> dict:
    start = filters.since(now)
    if start == BEGINNING:
        first = await rows(
            db, "first_start", {"project": filters.project, "agent_type": filters.agent_type}
        )
        start = first[0]["first_start"] or formatting.iso(now)
    span_days = (now.date() - datetime.strptime(start[:10], "%Y-%m-%d").date()).days
    span = RANGES[filters.range][2]
    if span is not None and span <= HOURLY_UP_TO:
        bucket = "hour"
    else:
        bucket = "week" if span_days > WEEKLY_AFTER_DAYS else "day"
    params = {**filters.params(now), "bucket": bucket}
    found, token_rows, costs = await asyncio.gather(
        rows(db, "activity", params),
        rows(db, "activity_tokens", params),
        rows(db, "cost_by_model", params),
    )
    labels = bucket_labels(start, formatting.iso(now), bucket)
    index = {label: i for i, label in enumerate(labels)}
    series = {status: [0] * len(labels) for status in STATUS_ORDER}
    tokens = [0] * len(labels)
    by_kind = {kind: [0] * len(labels) for kind in TOKEN_KINDS}
    for row in found:
        i = index.get(row["bucket"])
        if i is None:
            continue
        series.setdefault(row["status"], [0] * len(labels))[i] += row["tasks"]
        tokens[i] += row["tokens"] or 0
    for row in token_rows:
        i = index.get(row["bucket"])
        if i is not None:
            for kind in TOKEN_KINDS:
                by_kind[kind][i] += row[kind] or 0
    by_model: dict[str, list[float]] = {}
    for row in costs:
        i = index.get(row["bucket"])
        if i is not None:
            by_model.setdefault(row["model"], [0.0] * len(labels))[i] += row["cost_usd"]
    return {
        "bucket": bucket,
        "labels": labels,
        "series": series,
        "tokens": tokens,
        "tokens_by_kind": by_kind,
        "cost_by_model": [{"model": m, "values": v} for m, v in sorted(by_model.items())],
    }


async def agent_types(db, filters: Filters, now: datetime) -> list[dict]:
    found = await rows(db, "agent_type_table", filters.params(now))
    for row in found:
        row["failure_rate"] = failure_rate(row["failed"], row["finished"])
    return found


async def recent(db, name: str, filters: Filters, now: datetime, limit: int = 8) -> list[dict]:
    return await rows(db, name, {**filters.params(now), "limit": limit})


async def running_now(db, now: datetime | None = None) -> dict:
    """{"running": subagents running now, "stale": those of them started over an hour ago}."""
    now = now or formatting.utc_now()
    stale_before = formatting.iso(now - timedelta(hours=1))
    return (await rows(db, "running_count", {"stale_before": stale_before}))[0]


async def waiting_events(db) -> int:
    """Kept events not derived yet (0 for a file without kept events, like ELF's)."""
    if not await db.table_exists("kept_events"):
        return 0
    return (await rows(db, "waiting_events", {}))[0]["waiting"]


async def build(datasette, db, filters: Filters, now: datetime | None = None, actor=None) -> dict:
    """Everything the dashboard shows, as plain data (also served as JSON)."""
    now = now or formatting.utc_now()
    queries = await datasette.get_canned_queries(db.name, actor)
    panels = {
        "options": options(db),
        "kpi_windows": kpi_windows(db, filters, now),
        "kpis": kpi_totals(db, filters, now),
        "activity": activity(db, filters, now),
        "agent_types": agent_types(db, filters, now),
        "recent_failures": recent(db, "recent_failures", filters, now),
        "failure_kinds": rows(db, "failure_kinds", filters.params(now)),
        "recent_runs": recent(db, "recent_runs", filters, now),
        "latest_learnings": recent(db, "latest_learnings", filters, now),
        "learning_domains": recent(db, "learning_domains", filters, now),
        "hotspots": recent(db, "hotspots", filters, now),
        "running": running_now(db, now),
        "agent_versions": peers.agent_versions(db, queries, filters, now),
        "capture": peers.capture(db, filters, now),
        "waiting": waiting_events(db),
    }
    results = await asyncio.gather(*panels.values(), return_exceptions=True)
    data = {
        "database": db.name,
        "generated_at": formatting.iso(now),
        "filters": {
            "range": filters.range,
            "range_label": filters.label,
            "range_short": filters.short_label,
            "since": filters.since(now),
            "project": filters.project,
            "agent_type": filters.agent_type,
        },
        "errors": {},
    }
    for name, result in zip(panels, results, strict=True):
        if isinstance(result, PanelError):
            data["errors"][name] = str(result)
            data[name] = None
        elif isinstance(result, BaseException):
            raise result
        else:
            data[name] = result
    # The fixed-window counts are cheap; keep them even when the range totals time out.
    data["kpis"] = {**(data.pop("kpi_windows") or {}), **(data["kpis"] or {})} or None
    data["links"] = panel_links(datasette, db.name, filters, now)
    for key, name in CANNED_LINKS.items():
        data["links"][key] = datasette.urls.query(db.name, name) if name in queries else None
    if data["links"]["learnings_by_domain"]:  # over the dashboard's range and filters
        data["links"]["learnings_by_domain"] = links.canned(
            datasette,
            db.name,
            CANNED_LINKS["learnings_by_domain"],
            days=peers.range_days(filters),
            project=filters.project,
            agent_type=filters.agent_type,
        )
    add_row_links(datasette, db.name, filters, data)
    peers.add_links(datasette, db.name, filters, data, queries)
    return data


def add_row_links(datasette, database: str, filters: Filters, data: dict) -> None:
    """Give each listed agent type, failure, failure kind and run the URL it links to."""
    highest = max((r["failure_rate"] or 0 for r in data.get("agent_types") or []), default=0)
    for row in data.get("agent_types") or []:
        row["rate_share"] = (row["failure_rate"] or 0) / highest if highest else 0
        row["href"] = (  # tasks with no agent type cannot be filtered to: no link
            links.dashboard(
                datasette, database, **{**filters.as_query(), "agent_type": row["agent_type"]}
            )
            if row["agent_type"]
            else None
        )
    for row in data.get("recent_failures") or []:
        row["href"] = links.row(datasette, database, "node_executions", row["id"])
        row["run_href"] = links.run(datasette, database, row["run_id"])
    since = data["filters"]["since"]
    for row in data.get("failure_kinds") or []:
        kind = row["failure_kind"]
        where = {"failure_kind__isnull": "1"} if kind == "unclassified" else {"failure_kind": kind}
        row["href"] = links.table(
            datasette,
            database,
            "node_executions",
            _sort_desc="started_at",
            status="failed",
            started_at__gte=None if since == BEGINNING else since,
            project=filters.project,
            agent_type=filters.agent_type,
            **where,
        )
    for row in data.get("recent_runs") or []:
        row["href"] = links.run(datasette, database, row["id"])
    for row in data.get("latest_learnings") or []:
        row["href"] = links.row(datasette, database, "learnings", row["id"])
        if row["node_id"] is not None:
            row["node_href"] = links.row(datasette, database, "node_executions", row["node_id"])
    for row in data.get("learning_domains") or []:
        row["href"] = links.table(  # learnings keep SQLite's datetime() format
            datasette,
            database,
            "learnings",
            domain=row["domain"],
            created_at__gte=None if since == BEGINNING else since[:19].replace("T", " "),
            _sort_desc="created_at",
        )
    for row in data.get("hotspots") or []:
        row["href"] = links.table(
            datasette, database, "file_touches", file_path=row["file_path"], _sort_desc="touched_at"
        )


def panel_links(datasette, database: str, filters: Filters, now: datetime) -> dict:
    """Where each panel leads: the ``tasks`` view filtered the same way."""
    common = {"project": filters.project, "agent_type": filters.agent_type}
    since = filters.since(now)
    since = None if since == BEGINNING else since

    def nodes(**extra) -> str:
        return links.table(datasette, database, "tasks", _sort_desc="started_at", **common, **extra)

    def runs(start) -> str:
        return links.table(
            datasette,
            database,
            "workflow_runs",
            _sort_desc="started_at",
            project=filters.project,
            started_at__gte=start,
        )

    day_ago = formatting.iso(now - timedelta(hours=24))
    week_ago = formatting.iso(now - timedelta(days=7))
    return {
        "nodes": nodes(),
        "tasks": nodes(started_at__gte=since),
        "tasks_24h": nodes(started_at__gte=day_ago),
        "tasks_7d": nodes(started_at__gte=week_ago),
        "failed": nodes(status="failed", started_at__gte=since),
        "running": nodes(status="running"),
        "runs": runs(since),
        "runs_24h": runs(day_ago),
        "runs_7d": runs(week_ago),
        "learnings": links.table(datasette, database, "learnings", _sort_desc="created_at"),
        "file_touches": links.table(datasette, database, "file_touches", _sort_desc="touched_at"),
    }
