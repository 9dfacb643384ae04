"""One run: its row, its nodes, and their layout on a timeline.

The timeline has one row per node and a shared time axis, so subagents that ran in
parallel show as bars that overlap in time. It is laid out here and drawn as SVG by
the template; no script is needed to see it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from recorder.derive import parallelism

from . import formatting, links
from .dashboard import STATUS_ORDER
from .sqlfiles import rows

WIDTH = 1000
LABEL_WIDTH = 300
RIGHT_PAD = 24
AXIS_HEIGHT = 30
ROW_HEIGHT = 28
BAR_HEIGHT = 16
# fmt: off
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                43200, 86400, 172800, 604800)
# fmt: on


async def load(datasette, db, run_id: int) -> dict | None:
    """The run and its nodes (with their timeline), or None for an unknown id."""
    found = await rows(db, "run", {"id": run_id})
    if not found:
        return None
    run = found[0]
    nodes = nest(await rows(db, "run_nodes", {"id": run_id}))
    now = formatting.utc_now()
    for node in nodes:
        node["href"] = links.row(datasette, db.name, "node_executions", node["id"])
    return {
        "run": run,
        "nodes": nodes,
        "timeline": timeline(run, nodes, now),
        "totals": totals(run, nodes, now),
        "links": {
            "row": links.row(datasette, db.name, "workflow_runs", run_id),
            "session": links.row(datasette, db.name, "sessions", run["session_id"])
            if run.get("session_id")
            else None,
            "nodes": links.table(datasette, db.name, "tasks", run_id=run_id),
            "dashboard": links.dashboard(datasette, db.name),
        },
    }


def nest(nodes: list[dict]) -> list[dict]:
    """The nodes with each nested agent right under the node of the agent that launched it.

    Sets ``depth`` (0 for the run's own agents); order otherwise stays by start.
    """
    children: dict[str | None, list[dict]] = {}
    ids = {n["agent_id"] for n in nodes if n.get("agent_id")}
    for node in nodes:
        parent = node.get("parent_agent_id")
        children.setdefault(parent if parent in ids else None, []).append(node)
    ordered: list[dict] = []

    def place(parent: str | None, depth: int) -> None:
        for node in children.get(parent, []):
            node["depth"] = depth
            ordered.append(node)
            if node.get("agent_id") and node["agent_id"] != parent:
                place(node["agent_id"], depth + 1)

    place(None, 0)
    return ordered


def node_span(node: dict, run: dict, now: datetime) -> tuple[datetime, datetime, bool] | None:
    """(start, end, open_ended) of a node, or None when it has no start time."""
    start = formatting.parse_time(node.get("started_at"))
    if start is None:
        return None
    end = formatting.parse_time(node.get("completed_at"))
    if end is None and node.get("duration_ms") is not None:
        end = start + timedelta(milliseconds=node["duration_ms"])
    open_ended = end is None
    if end is None:
        if run.get("status") == "running":
            end = now
        else:  # never finished (stuck or abandoned): up to the last thing we heard
            candidates = [
                formatting.parse_time(value)
                for value in (
                    node.get("updated_at"),
                    run.get("completed_at"),
                    run.get("updated_at"),
                )
            ]
            end = max([c for c in candidates if c] or [start])
    return start, max(end, start), open_ended


def nice_step(span_s: float, max_ticks: int = 8) -> int:
    for step in TICK_STEPS_S:
        if span_s / step <= max_ticks:
            return step
    return TICK_STEPS_S[-1]


def timeline(run: dict, nodes: list[dict], now: datetime) -> dict:
    """SVG geometry: one bar per node on a shared time axis, plus axis ticks."""
    spans = {node["id"]: node_span(node, run, now) for node in nodes}
    known = [span for span in spans.values() if span]
    run_start = formatting.parse_time(run.get("started_at"))
    starts = [s for s, _, _ in known] + ([run_start] if run_start else [])
    if not starts:
        return {
            "bars": [],
            "critical": [],
            "ticks": [],
            "width": WIDTH,
            "height": AXIS_HEIGHT,
            "peak": 0,
        }
    t0 = min(starts)
    t1 = max([e for _, e, _ in known] + [t0 + timedelta(seconds=1)])
    span_s = (t1 - t0).total_seconds()
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD

    def x(moment: datetime) -> float:
        return round(LABEL_WIDTH + plot * (moment - t0).total_seconds() / span_s, 1)

    bars = []
    for i, node in enumerate(nodes):
        y = AXIS_HEIGHT + i * ROW_HEIGHT
        label = " · ".join(str(v) for v in (node.get("agent_type"), node.get("node_name")) if v)
        label = "↳ " * min(node.get("depth", 0), 3) + label
        bar = {
            "id": node["id"],
            "href": node["href"],
            "status": node.get("status") or "unknown",
            "label": label if len(label) <= 42 else label[:41] + "…",
            "title": f"{label} — {node.get('status')}"
            + (f" — {formatting.duration(node['duration_ms'])}" if node.get("duration_ms") else ""),
            "y": y,
            "text_y": y + ROW_HEIGHT / 2 + 4,
            "bar_y": y + (ROW_HEIGHT - BAR_HEIGHT) / 2,
            "bar_height": BAR_HEIGHT,
            "stripe": i % 2 == 0,
        }
        span = spans[node["id"]]
        if span:
            start, end, open_ended = span
            bar.update(x=x(start), width=max(x(end) - x(start), 3), open_ended=open_ended)
        bars.append(bar)
    on_path = set(critical_ids(run))
    for bar in bars:
        bar["critical"] = bar["id"] in on_path
    step = nice_step(span_s)
    ticks = []
    offset = 0
    while offset <= span_s + 1e-6:
        ticks.append(
            {
                "x": x(t0 + timedelta(seconds=offset)),
                "label": formatting.duration(offset * 1000) if offset else "0",
            }
        )
        offset += step
    return {
        "bars": bars,
        "critical": critical_links(bars, critical_ids(run)),
        "ticks": ticks,
        "width": WIDTH,
        "height": AXIS_HEIGHT + len(nodes) * ROW_HEIGHT + 8,
        "row_height": ROW_HEIGHT,
        "plot_left": LABEL_WIDTH,
        "plot_right": WIDTH - RIGHT_PAD,
        "start": formatting.iso(t0),
        "span_ms": span_s * 1000,
        "peak": parallelism.peak([{"start": s, "end": e} for s, e, _ in known]),
    }


def critical_ids(run: dict) -> list[int]:
    """The node ids of the run's critical path (workflow_runs.critical_path), in time order."""
    try:
        ids = json.loads(run.get("critical_path") or "[]")
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def critical_links(bars: list[dict], path: list[int]) -> list[dict]:
    """Connectors from each bar of the critical path to the next: end of one to start of next."""
    by_id = {bar["id"]: bar for bar in bars if "x" in bar}
    steps = [by_id[i] for i in path if i in by_id]
    links = []
    for before, after in zip(steps, steps[1:], strict=False):
        links.append(
            {
                "x1": round(before["x"] + before["width"], 1),
                "y1": before["bar_y"] + before["bar_height"] / 2,
                "x2": after["x"],
                "y2": after["bar_y"] + after["bar_height"] / 2,
            }
        )
    return links


def totals(run: dict, nodes: list[dict], now: datetime) -> dict:
    """Counters and totals for the run's header."""
    by_status: dict[str, int] = {status: 0 for status in STATUS_ORDER}
    for node in nodes:
        key = node.get("status") or "unknown"
        by_status[key] = by_status.get(key, 0) + 1
    by_status = {status: n for status, n in by_status.items() if n}
    start = formatting.parse_time(run.get("started_at"))
    end = formatting.parse_time(run.get("completed_at")) or (
        now if run.get("status") == "running" else None
    )
    tokens = sum(n.get("token_count") or 0 for n in nodes)
    return {
        "nodes": len(nodes),
        "by_status": by_status,
        "wall_ms": (end - start).total_seconds() * 1000 if start and end else None,
        "subagent_ms": sum(n.get("duration_ms") or 0 for n in nodes),
        "tokens": run.get("total_tokens") if run.get("total_tokens") is not None else tokens,
        "tool_uses": sum(n.get("tool_use_count") or 0 for n in nodes),
        "critical_ms": run.get("critical_path_ms"),
        "critical_count": len(critical_ids(run)),
        "parallelism": run["subagent_ms"] / run["subagent_wall_ms"]
        if run.get("subagent_wall_ms") and run.get("subagent_ms") is not None
        else None,
        "cost_usd": run.get("cost_usd"),
        "unpriced": sum(
            1 for n in nodes if n.get("cost_usd") is None and n.get("status") != "running"
        ),
    }
