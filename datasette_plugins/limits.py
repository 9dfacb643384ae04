"""Bounds on what one SQL call may build, so no request can hold the server.

Datasette's time limit interrupts a query between steps, but a single function call
runs to its end: ``printf('%.*c', 999999999, 'x')`` builds a gigabyte in one step. So
every Datasette connection gets SQLite's limit on string and blob length (larger than
anything the recorder stores), a cap on SQLite's heap (shared by the process), and a
``printf``/``format`` that refuses widths and precisions beyond ``MAX_WIDTH`` before
handing the call to SQLite's own.
"""

from __future__ import annotations

import re
import sqlite3
import threading

LENGTH_LIMIT = 64 << 20  # bytes in one string or blob
HEAP_LIMIT = 1 << 30  # bytes SQLite may hold in this process
MAX_WIDTH = 100_000
_SPEC = re.compile(r"%[-+ #0!,]*(\*|\d+)?(?:\.(\*|\d+))?(?:ll|l)?([a-zA-Z%])")
_plain = threading.local()  # a connection per thread with SQLite's own printf


def checked_width(fmt: object, args: tuple) -> None:
    """ValueError when a width or precision in ``fmt`` (given or taken from ``args``) is too big."""
    if not isinstance(fmt, str):
        return
    position = 0
    for match in _SPEC.finditer(fmt):
        if match.group(3) == "%":
            continue
        for part in match.group(1, 2):
            if part == "*":
                value = args[position] if position < len(args) else 0
                position += 1
            else:
                value = part
            try:
                too_big = part is not None and abs(int(value)) > MAX_WIDTH
            except (TypeError, ValueError):
                too_big = False
            if too_big:
                raise ValueError(f"printf width or precision above {MAX_WIDTH}")
        position += 1


def bounded_printf(fmt: object, *args: object) -> object:
    """SQLite's printf, after ``checked_width``."""
    checked_width(fmt, args)
    conn = getattr(_plain, "conn", None)
    if conn is None:
        conn = _plain.conn = sqlite3.connect(":memory:", check_same_thread=False)
        apply_limits(conn)
    marks = ", ".join("?" for _ in range(len(args) + 1))
    return conn.execute(f"SELECT printf({marks})", (fmt, *args)).fetchone()[0]


def apply_limits(conn: sqlite3.Connection) -> None:
    """The length limit and heap cap on ``conn`` (where this Python can set them)."""
    if hasattr(conn, "setlimit"):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LENGTH_LIMIT)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")


def protect(conn: sqlite3.Connection) -> None:
    """Every bound on a Datasette connection."""
    apply_limits(conn)
    for name in ("printf", "format"):
        conn.create_function(name, -1, bounded_printf)
