"""How well a run's subagents ran in parallel: wall time, busy time, peak and critical path.

Over the run's nodes that have a start and an end (``completed_at``, else start plus
``duration_ms``; nodes still running are left out until they end):

- ``subagent_wall_ms``: from the first subagent's start to the last one's end;
- ``subagent_ms``: the sum of their durations (nested subagents included);
- ``max_parallel``: the most running at once (one ending as another starts is not overlap);
- ``critical_path``: the chain of subagents that decided the run's length, as a JSON list
  of node ids in time order. From the node that finished last, step back to the node
  that finished last before it started, and so on; a node that launched nested subagents
  (their ``parent_agent_id`` is its ``agent_id``) is followed by the chain of its own
  children, found the same way. A node's span here runs to the last end among it and
  its nested subagents (one launched in the background may outlive the node that
  launched it, and then it is what the run waited for). ``critical_path_ms`` is the
  time the top-level chain's subagents ran, so spanned (the rest of the wall time the
  main agent spent between them).

Standard library only: it runs wherever the run is refreshed.
"""

from __future__ import annotations

import bisect
import json
import sqlite3

from recorder.hook import clock
from recorder.schema.queries import sql

UNFINISHED = ("running", "pending")  # no span yet
# What a node's span (and its place in the critical path) is made of.
SPAN_COLUMNS = (
    "run_id",
    "status",
    "started_at",
    "completed_at",
    "duration_ms",
    "agent_id",
    "parent_agent_id",
)


def span_changed(stored: dict | None, node: dict) -> bool:
    """Whether saving ``node`` (``stored`` as it was, None if new) may change its run's
    parallelism: a new node that is still running has no span yet."""
    if stored is None:
        return node["status"] not in UNFINISHED
    return any(stored[k] != node[k] for k in SPAN_COLUMNS)


def spans(rows: list) -> list[dict]:
    """The nodes that have both ends, with ``start`` and ``end`` as epoch seconds."""
    found = []
    for row in rows:
        start = clock.epoch(row["started_at"])
        end = clock.epoch(row["completed_at"])
        if end is None and start is not None and row["duration_ms"] is not None:
            end = start + row["duration_ms"] / 1000
        if start is not None and end is not None and row["status"] not in UNFINISHED:
            found.append(dict(row, start=start, end=max(start, end)))
    return found


def peak(nodes: list[dict]) -> int:
    """The most nodes running at once (an end and a start at the same moment do not overlap)."""
    moments = sorted([(n["start"], 1) for n in nodes] + [(n["end"], -1) for n in nodes])
    level = most = 0
    for _, step in moments:
        level += step
        most = max(most, level)
    return most


def _finish(node: dict) -> tuple:
    """Which of two nodes counts as finishing later: end, then earlier start, then id."""
    return node["end"], -node["start"], node["id"]


def chain(nodes: list[dict]) -> list[dict]:
    """The critical chain of one level: last to finish, then back through predecessors.

    Each step back takes the node finishing latest among those that ended by the current
    one's start. Starts only move earlier along the chain, so one pass down the nodes in
    order of finishing finds every step (a node already taken, possible only among nodes
    of no duration at one moment, is passed over).
    """
    if not nodes:
        return []
    ordered = sorted(nodes, key=_finish)
    ends = [n["end"] for n in ordered]
    current = ordered[-1]
    found, taken = [current], {current["id"]}
    while True:
        i = bisect.bisect_right(ends, current["start"]) - 1
        while i >= 0 and ordered[i]["id"] in taken:
            i -= 1
        if i < 0:
            break
        current = ordered[i]
        found.append(current)
        taken.add(current["id"])
    return found[::-1]


def critical_path(nodes: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the whole path in time order, its top-level chain)."""
    agents = {n["agent_id"] for n in nodes if n["agent_id"]}
    children: dict[str, list[dict]] = {}
    top = []
    for n in nodes:
        parent = n["parent_agent_id"]
        if parent and parent in agents and parent != n["agent_id"]:
            children.setdefault(parent, []).append(n)
        else:
            top.append(n)

    def spanned(level: list[dict], seen: frozenset) -> list[dict]:
        """The nodes of ``level``, each ending when the last of its nested subagents did."""
        found = []
        for n in level:
            nested = children.get(n["agent_id"], []) if n["agent_id"] not in seen else []
            ends = [c["end"] for c in spanned(nested, seen | {n["agent_id"]})]
            found.append(dict(n, end=max([n["end"], *ends])) if ends else n)
        return found

    def walk(level_chain: list[dict], seen: frozenset) -> list[dict]:
        """The chain of one level, each node followed by the chain of its nested ones."""
        path = []
        for n in level_chain:
            path.append(n)
            if n["agent_id"] and n["agent_id"] not in seen:
                inside = seen | {n["agent_id"]}
                path += walk(chain(spanned(children.get(n["agent_id"], []), inside)), inside)
        return path

    top_chain = chain(spanned(top, frozenset()))
    return walk(top_chain, frozenset()), top_chain


def measure(rows: list) -> dict:
    """The parallelism columns of a run whose nodes are ``rows``."""
    nodes = spans(rows)
    if not nodes:
        return dict.fromkeys(
            ("subagent_wall_ms", "subagent_ms", "max_parallel", "critical_path", "critical_path_ms")
        )
    path, top = critical_path(nodes)
    wall = max(n["end"] for n in nodes) - min(n["start"] for n in nodes)
    return {
        "subagent_wall_ms": round(wall * 1000),
        "subagent_ms": round(sum(n["end"] - n["start"] for n in nodes) * 1000),
        "max_parallel": peak(nodes),
        "critical_path": json.dumps([n["id"] for n in path]),
        "critical_path_ms": round(sum(n["end"] - n["start"] for n in top) * 1000),
    }


def refresh(conn: sqlite3.Connection, run_id: int) -> None:
    """Recompute the run's parallelism columns from its nodes."""
    rows = conn.execute(sql("run_parallel_nodes"), {"run_id": run_id}).fetchall()
    conn.execute(sql("set_run_parallelism"), dict(measure(rows), run_id=run_id))
