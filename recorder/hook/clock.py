"""UTC timestamps as ISO 8601 strings with a Z, without importing datetime."""

import time


def iso(epoch: float) -> str:
    """Format seconds since the epoch as '2026-11-24T09:15:02.123Z'."""
    whole = int(epoch)
    millis = int(round((epoch - whole) * 1000))
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


def now() -> str:
    """The current time in UTC."""
    return iso(time.time())


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def epoch(stamp: str | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 UTC stamp ('...Z' or naive); None if unparseable."""
    if not stamp or len(stamp) < 19:
        return None
    try:
        if not (stamp[4] == stamp[7] == "-" and stamp[10] in "T " and stamp[0:4].isdigit()):
            return None
        seconds = (
            _days_from_civil(int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10])) * 86400
            + int(stamp[11:13]) * 3600
            + int(stamp[14:16]) * 60
        )
        tail = stamp[17:].rstrip("Z")
        return seconds + float(tail) if tail else seconds
    except ValueError:
        return None


# Receipt times outside these bounds are junk (a forged or corrupted stamp).
EARLIEST = 946_684_800.0  # 2000-01-01
FUTURE_SLACK_SECONDS = 86_400.0


def sane(stamp: str | None) -> str | None:
    """``stamp`` if it is a well-formed UTC time between 2000 and tomorrow, else None."""
    when = epoch(stamp)
    if when is None or not EARLIEST <= when <= time.time() + FUTURE_SLACK_SECONDS:
        return None
    return iso(when)
