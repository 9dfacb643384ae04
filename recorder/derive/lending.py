"""Results other processes made ahead (bulk's and backfill's workers), lent to this one.

Within a ``with lent.within(found):`` block, ``lent.get(key)`` and ``lent.pop(key)``
answer from ``found`` (which may grow meanwhile); outside every block they answer None,
so the caller does the work itself. Blocks nest; the innermost answers. Standard library
only.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any


class Lent:
    """A stack of dictionaries of results made ahead, innermost last."""

    def __init__(self) -> None:
        self._blocks: list[dict] = []

    @contextmanager
    def within(self, found: dict) -> Iterator[None]:
        """Lend ``found`` for the block."""
        self._blocks.append(found)
        try:
            yield
        finally:
            self._blocks.pop()

    def lending(self) -> bool:
        """Whether some block lends results now."""
        return bool(self._blocks)

    def get(self, key: Hashable) -> Any:
        """The result lent for ``key``, else None."""
        return self._blocks[-1].get(key) if self._blocks else None

    def pop(self, key: Hashable) -> Any:
        """The result lent for ``key``, taken (so it answers once), else None."""
        return self._blocks[-1].pop(key, None) if self._blocks else None
