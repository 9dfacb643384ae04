"""How numbers read on every page: durations, token counts, percentages, times."""

from __future__ import annotations

from datetime import datetime, timezone


def duration(ms) -> str:
    """Milliseconds as "850 ms", "12.3s", "1m 23s", "2h 05m", "3d 4h"."""
    if ms is None or ms == "":
        return ""
    try:
        ms = float(ms)
    except (TypeError, ValueError):
        return str(ms)
    if ms < 0:
        return "-" + duration(-ms)
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 10:
        return f"{seconds:.1f}s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def thousands(n) -> str:
    """12450 -> "12,450" (non-numbers unchanged)."""
    if n is None or n == "":
        return ""
    try:
        return f"{round(float(n)):,}"
    except (TypeError, ValueError):
        return str(n)


def usd(amount) -> str:
    """US dollars: "$1,234", "$3.21", "$0.50", "$0.042", "$0.0031" ("–" for unknown)."""
    if amount is None or amount == "":
        return "–"
    try:
        amount = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    if abs(amount) >= 100:
        return f"${amount:,.0f}"
    if abs(amount) >= 0.1 or amount == 0:
        return f"${amount:,.2f}"
    return f"${amount:.3f}" if abs(amount) >= 0.01 else f"${amount:.4f}"


def compact(n) -> str:
    """12450 -> "12.5k", 3400000 -> "3.4M"."""
    if n is None or n == "":
        return "–"
    n = float(n)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= limit:
            value = n / limit
            return f"{value:.1f}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return f"{n:.0f}"


def percent(part, whole) -> str:
    """part/whole as "12.3%" ("–" when whole is 0)."""
    if not whole:
        return "–"
    return f"{100 * (part or 0) / whole:.1f}%"


def parse_time(value) -> datetime | None:
    """An ISO 8601 timestamp (with Z or offset) as an aware UTC datetime, else None."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    """An aware datetime in the stored form: 2026-11-24T09:15:02.123Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
