"""The dashboard's KPI tiles: what each shows, how it reads, where it links."""

from __future__ import annotations

from . import formatting

count = formatting.thousands


def percent(rate) -> str:
    return "–" if rate is None else f"{100 * rate:.1f}%"


def tiles(data: dict) -> list[dict]:
    """Tiles from the dashboard data; a value its panel could not compute shows "–"."""
    k = data.get("kpis") or {}
    span = data["filters"]["range_short"]
    links = data["links"]
    rate = k.get("failure_rate")
    finished = (
        f"{k['failed']:,} of {k['finished']:,} finished" if k.get("finished") is not None else ""
    )
    per_task = (
        f"{formatting.compact(k['tokens_per_task'])} per task"
        if k.get("tokens_per_task") is not None
        else ""
    )
    alarm = "ar-bad" if rate and rate >= 0.1 else ""
    cost_sub = (
        f"{formatting.usd(k['cost_usd'] / k['successes'])} per successful task"
        if k.get("cost_usd") is not None and k.get("successes")
        else "subagents' API spend"
    )
    if k.get("unpriced"):
        cost_sub += f" · {k['unpriced']:,} unpriced"
    rows = [
        # key, label, formatter, context line, link, css class
        ("runs_24h", "Runs · 24 h", count, "prompts using subagents", "runs_24h", ""),
        ("runs_7d", "Runs · 7 d", count, "prompts using subagents", "runs_7d", ""),
        ("tasks_24h", "Tasks · 24 h", count, "subagents started", "tasks_24h", ""),
        ("tasks_7d", "Tasks · 7 d", count, "subagents started", "tasks_7d", ""),
        ("failure_rate", f"Failed · {span}", percent, finished, "failed", alarm),
        ("median_ms", f"Median · {span}", formatting.duration, "task duration", "tasks", ""),
        ("p95_ms", f"p95 · {span}", formatting.duration, "task duration", "tasks", ""),
        ("tokens", f"Tokens · {span}", formatting.compact, per_task, "tasks", ""),
        ("cost_usd", f"Cost · {span}", formatting.usd, cost_sub, "tasks", ""),
    ]
    result = []
    for key, label, fmt, sub, link, css in rows:
        value = fmt(k[key]) if k.get(key) is not None else "–"
        result.append(tile(key, label, value, k.get(key), sub, links[link], css))
    result.append(running_tile(data))
    result.append(capture_tile(data))
    return result


def capture_tile(data: dict) -> dict:
    """Capture coverage: the share of the range's tasks the hook recorded itself.

    Under 100% it links to the list of what it missed (the capture-gaps query).
    """
    found = data.get("capture") or {}
    links = data["links"]
    span = data["filters"]["range_short"]
    rate = found.get("coverage")
    if found.get("missed"):
        sub = f"{found['missed']:,} of {found['total']:,} missed by the hook"
        href, css = links.get("capture_gaps") or links["tasks"], "ar-bad"
    else:
        sub, href, css = "every task seen by the hook", links["tasks"], ""
    return tile("capture", f"Captured · {span}", percent(rate), rate, sub, href, css)


def running_tile(data: dict) -> dict:
    running = data.get("running") or {"running": None, "stale": 0}
    links = data["links"]
    if running["stale"]:
        sub = f"{running['stale']:,} started over 1 h ago"
        href = links["stuck"] or links["running"]
    else:
        sub, href = "subagents in progress", links["running"]
    value = count(running["running"]) if running["running"] is not None else "–"
    return tile("running", "Running now", value, running["running"], sub, href, "ar-live-kpi")


def tile(key, label, value, raw, sub, href, css="") -> dict:
    return {
        "key": key,
        "label": label,
        "value": value,
        "raw": raw,
        "sub": sub,
        "href": href,
        "class": css,
    }
