"""Rework: a task sent again after a failure, linked to the failed attempt.

A new node retries a failed one when, in the same session, the failed node had
finished before the new one started and has the same prompt (``prompt_hash``), or the
same description and agent type within the same run (turn) or the run just before it.
The new node gets ``retry_of`` (the failed attempt), ``attempt`` (its number, counting
from 1) and ``first_attempt_id`` (the chain's first attempt); a first attempt gets
``attempt`` 1. Standard library only.
"""

from __future__ import annotations

import sqlite3

from recorder.schema.queries import sql


def link(conn: sqlite3.Connection, node: dict) -> None:
    """Number the new ``node``'s attempt and link it to the failed attempt it retries."""
    failed = conn.execute(sql("find_failed_attempt"), node).fetchone()
    conn.execute(
        sql("set_retry"),
        {
            "id": node["id"],
            "retry_of": failed["id"] if failed else None,
            "attempt": failed["attempt"] + 1 if failed else 1,
            "first_attempt_id": failed["first_attempt_id"] if failed else None,
        },
    )
