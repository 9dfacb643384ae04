"""The sane ranges of the numbers a payload carries (counts, durations), and their reading.

Shared by the normaliser (``events``) and the task-notification parser
(``notification``). Standard library only.
"""

# Sane ranges: a count above MAX_COUNT (a trillion tokens) or a duration above
# MAX_DURATION_MS (31 days) is junk, kept as unknown (NULL) so sums never overflow
# and no start time is derived decades before the epoch.
MAX_COUNT = 10**12
MAX_DURATION_MS = 31 * 86_400_000


def integer(value: object, limit: int = MAX_COUNT) -> int | None:
    """A count field: an int in 0..``limit``, or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value == value and abs(value) <= limit:
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 20:
        value = int(value.strip())
    if isinstance(value, int) and 0 <= value <= limit:
        return value
    return None
