"""Work handed to other processes and taken back in order (bulk's, backfill's and rebuild's
workers)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
MOST = 8  # processes, however many CPUs there are


def per_cpu() -> int:
    """One process per CPU, at most ``MOST``."""
    return max(1, min(MOST, os.cpu_count() or 1))


def ordered_map(
    function: Callable[[Item], Result], items: Iterable[Item], workers: int, ahead: int = 2
) -> Iterator[Result]:
    """``map(function, items)`` computed by ``workers`` processes, in order, at most
    ``ahead`` items per worker ahead of the caller (so memory stays bounded however many
    items there are; more for small items, so the workers never wait for the caller)."""
    with ProcessPoolExecutor(workers) as pool:
        waiting: deque[Future[Result]] = deque()
        for item in items:
            waiting.append(pool.submit(function, item))
            if len(waiting) > ahead * workers:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
