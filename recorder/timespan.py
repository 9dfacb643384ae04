"""Times the commands are given (``--since``, ``--older-than``): a span back from now
("90m", "24h", "7d", "2w", "30s") or an ISO 8601 date or time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

SPAN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def iso_z(moment: datetime) -> str:
    """``moment`` as the database writes times: UTC, milliseconds, a Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_since(value: object, now: datetime | None = None, option: str = "--since") -> str | None:
    """The cutoff ``value`` names, as ISO 8601 UTC with a Z, or None for "all".

    Accepts a datetime, a span back from ``now`` or an ISO 8601 date or time
    ("2026-11-01", "2026-11-01T09:00:00Z", with an offset or without; a time without an
    offset is taken as UTC). Raises ValueError, whose one-line message names ``option``.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso_z(value)
    text = str(value).strip()
    if not text:
        return None
    match = SPAN.match(text)
    if match and match.group(2) == "M":  # months or minutes? a typo either way
        raise ValueError(
            f"{option} {text!r}: M is no unit (m is minutes; for months give days, like 180d)"
        )
    if match:
        now = now or datetime.now(timezone.utc)
        seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2).lower()]
        try:
            return iso_z(now - timedelta(seconds=seconds))
        except OverflowError:
            raise ValueError(f"{option} {text!r} reaches back before year 1") from None
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(
            f"{option} {text!r} is neither a duration (like 7d, 24h, 90m) "
            "nor an ISO 8601 time (like 2026-11-01T09:00:00Z)"
        ) from None
    return iso_z(moment)


def parse_since_past(
    value: object, now: datetime | None = None, option: str = "--since"
) -> str | None:
    """``parse_since`` for a filter: a time still to come is refused (it would match nothing,
    silently), with a one-line ValueError."""
    now = now or datetime.now(timezone.utc)
    moment = parse_since(value, now, option)
    if moment is not None and moment > iso_z(now):
        raise ValueError(f"{option} {str(value).strip()!r} is in the future: nothing is after it")
    return moment
