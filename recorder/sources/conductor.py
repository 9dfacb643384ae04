"""ELF's Conductor API, writing into the agent-runs schema.

An ELF post-tool hook switches by changing its import::

    from recorder.sources.conductor import Conductor, Node

The methods take the same arguments and mean the same as ELF's; what they
write is redacted, timestamped in UTC and gets an outcome like hook events do.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recorder.derive import store
from recorder.derive.outcome import classify
from recorder.hook import clock, database, paths
from recorder.redaction.configured import redact, redact_text
from recorder.schema.queries import sql

FINISHED = ("completed", "failed", "cancelled")


@dataclass
class Node:
    """One node of an ELF workflow (``node_type``: single, parallel or swarm)."""

    id: str
    name: str
    node_type: Any = "single"
    prompt_template: str = ""
    config: dict = field(default_factory=dict)


def value_of(thing: Any) -> Any:
    """An enum's value, or the thing itself (ELF passes both)."""
    return getattr(thing, "value", thing)


def as_json(value: Any) -> str | None:
    return None if value is None else json.dumps(redact(value), default=str)


class Conductor:
    """Records runs and node executions the way ELF's Conductor does."""

    def __init__(
        self,
        base_path: str | os.PathLike | None = None,
        project_root: str = ".",
        *,
        db_path: str | os.PathLike | None = None,
    ) -> None:
        if db_path is None and base_path is not None:
            db_path = os.path.join(os.fspath(base_path), "memory", "index.db")
        self.db_path = paths.database(db_path)
        self.project_root = project_root

    def _write(self, work: Callable[[sqlite3.Connection, str], Any]) -> Any:
        conn = database.connect(self.db_path, timeout=10.0)
        try:
            return database.write(conn, lambda c: work(c, clock.now()))
        finally:
            conn.close()

    def _read(self, query: str, params: dict) -> list[sqlite3.Row]:
        conn = database.connect(self.db_path, timeout=10.0)
        try:
            return conn.execute(sql(query), params).fetchall()
        finally:
            conn.close()

    @staticmethod
    def _decide(
        conn: sqlite3.Connection, now: str, run_id: int, kind: str, data: dict, reason: str
    ) -> None:
        conn.execute(
            sql("conductor_decision"),
            {
                "run_id": run_id,
                "decision_type": kind,
                "decision_data": as_json(data),
                "reason": redact_text(reason),
                "now": now,
            },
        )

    def start_run(
        self,
        workflow_name: str | None = None,
        workflow_id: int | None = None,
        input_data: dict | None = None,
        phase: str = "init",
    ) -> int:
        """Open a run; return its id."""

        def work(conn: sqlite3.Connection, now: str) -> int:
            run_id = conn.execute(
                sql("conductor_start_run"),
                {
                    "workflow_id": workflow_id,
                    "workflow_name": workflow_name,
                    "phase": phase,
                    "input_json": as_json(input_data or {}),
                    "run_key": f"conductor:{uuid.uuid4()}",
                    "now": now,
                },
            ).lastrowid
            self._decide(
                conn,
                now,
                run_id,
                "start_run",
                {"workflow_name": workflow_name, "phase": phase},
                "Workflow run started",
            )
            return run_id

        return self._write(work)

    def record_node_start(
        self, run_id: int, node: Node, prompt: str, agent_id: str | None = None
    ) -> int:
        """Record a node as running; return its execution id."""

        def work(conn: sqlite3.Connection, now: str) -> int:
            clean = redact_text(prompt or "")
            exec_id = conn.execute(
                sql("conductor_start_node"),
                {
                    "run_id": run_id,
                    "node_id": node.id,
                    "node_name": node.name,
                    "node_type": value_of(node.node_type),
                    "agent_id": agent_id,
                    "prompt": clean,
                    "prompt_hash": store.prompt_hash(prompt or ""),
                    "now": now,
                },
            ).lastrowid
            store.refresh_run(conn, run_id, now)
            self._decide(
                conn,
                now,
                run_id,
                "fire_node",
                {
                    "node_id": node.id,
                    "node_name": node.name,
                    "node_type": value_of(node.node_type),
                    "execution_id": exec_id,
                },
                f"Started node: {node.name}",
            )
            return exec_id

        return self._write(work)

    def record_node_completion(
        self,
        exec_id: int,
        result_text: str,
        result_dict: dict | None = None,
        findings: list | None = None,
        files_modified: list | None = None,
        duration_ms: int | None = None,
        token_count: int | None = None,
    ) -> None:
        """Mark a node completed with its result; its outcome is classified like a hook's."""
        given = result_dict or {}
        if given.get("outcome") in ("success", "failure", "unknown"):
            outcome, reason = given["outcome"], str(given.get("reason") or "reported by caller")
        else:
            outcome, reason = classify(result_text)[:2]
        self._finish(
            exec_id,
            {
                "status": "completed",
                "outcome": outcome,
                "outcome_reason": reason,
                "result_text": redact_text(result_text or ""),
                "result_json": as_json(given),
                "findings_json": as_json(findings or []),
                "files_modified": as_json(files_modified or []),
                "error_message": None,
                "error_type": None,
                "duration_ms": duration_ms,
                "token_count": token_count,
            },
        )

    def record_node_failure(
        self,
        exec_id: int,
        error_message: str,
        error_type: str = "error",
        duration_ms: int | None = None,
    ) -> None:
        """Mark a node failed with its error."""
        message = redact_text(error_message or "")
        self._finish(
            exec_id,
            {
                "status": "failed",
                "outcome": "failure",
                "outcome_reason": message,
                "result_text": None,
                "result_json": None,
                "findings_json": None,
                "files_modified": None,
                "error_message": message,
                "error_type": error_type,
                "duration_ms": duration_ms,
                "token_count": None,
            },
            decision=("node_failed", f"Node failed: {message[:100]}"),
        )

    def _finish(self, exec_id: int, values: dict, decision: tuple[str, str] | None = None):
        def work(conn: sqlite3.Connection, now: str) -> None:
            row = conn.execute(
                sql("conductor_finish_node"), dict(values, exec_id=exec_id, now=now)
            ).fetchone()
            if row is None:
                return
            store.refresh_run(conn, row["run_id"], now)
            if decision:
                self._decide(
                    conn,
                    now,
                    row["run_id"],
                    decision[0],
                    {
                        "node_id": row["node_id"],
                        "execution_id": exec_id,
                        "error_type": values["error_type"],
                        "error_message": values["error_message"][:200],
                    },
                    decision[1],
                )

        self._write(work)

    def update_run_status(
        self,
        run_id: int,
        status: Any,
        error_message: str | None = None,
        output: dict | None = None,
    ) -> None:
        """Set a run's status; a final status also sets completed_at."""
        self._write(
            lambda conn, now: conn.execute(
                sql("conductor_run_status"),
                {
                    "run_id": run_id,
                    "status": value_of(status),
                    "error_message": redact_text(error_message) if error_message else None,
                    "output_json": as_json(output) if output else None,
                    "now": now,
                },
            )
        )

    def get_run(self, run_id: int) -> dict | None:
        """The run as a dict, with input/output/context parsed from their JSON."""
        rows = self._read("conductor_get_run", {"run_id": run_id})
        if not rows:
            return None
        run = dict(rows[0])
        for column, key in (
            ("input_json", "input"),
            ("output_json", "output"),
            ("context_json", "context"),
        ):
            run[key] = parse_json(run.pop(column, None), {})
        return run

    def get_node_executions(self, run_id: int) -> list[dict]:
        """The run's node executions, with result/findings/files_modified parsed."""
        nodes = []
        for row in self._read("conductor_get_nodes", {"run_id": run_id}):
            node = dict(row)
            node["result"] = parse_json(node.pop("result_json", None), {})
            node["findings"] = parse_json(node.pop("findings_json", None), [])
            node["files_modified"] = parse_json(node.get("files_modified"), [])
            nodes.append(node)
        return nodes


def parse_json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default
