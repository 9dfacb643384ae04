"""``agent-runs export --otlp URL``: finished runs as OpenTelemetry traces over OTLP/HTTP.

Needs the optional extra ``pip install 'agent-runs[otel]'`` (the OpenTelemetry SDK
and its OTLP/HTTP protobuf exporter); nothing here is imported by the hook.

What is sent
    One trace per finished run (status other than running/pending): a root span for
    the run (``invoke_workflow <workflow name>``) and one child span per node
    (``invoke_agent <agent type>``) with the node's recorded start and end times.
    Attributes follow the OpenTelemetry GenAI semantic conventions
    (``gen_ai.operation.name``, ``gen_ai.agent.name`` = agent type, ``gen_ai.agent.id``,
    ``gen_ai.agent.description`` = node name, ``gen_ai.request.model``,
    ``gen_ai.usage.*``, ``gen_ai.provider.name`` = anthropic, ``gen_ai.conversation.id``
    = session), plus ``agent_runs.*`` for what they do not cover. A failed node's
    span has status ERROR with the error as description and ``error.type``; so has
    a failed run's root span (without error.type). The resource is
    ``service.name = agent-runs``. Trace and span ids are derived from the run and
    node identities (sha256), so the same run always has the same ids wherever it
    is exported from.

Sent once
    After a batch of runs is accepted by the collector, each run is recorded in the
    table ``_agent_runs_otlp_exports`` (endpoint, run_id, ...; migration m009_otlp_exports). Only
    runs not recorded there for this endpoint are sent, so the command can run from
    cron or after every hook. This per-run record is the high-water mark: runs
    finish out of order, so a single "last id" would skip a run that was still
    running when a later one was exported. A run that changes after it was sent
    (a late node, a corrected outcome) is not sent again: its trace stays as first
    exported. The record is per endpoint URL: a new collector gets the full history.
    If the collector fails, the batch that failed is not recorded (batches already
    accepted stay recorded) and :class:`CollectorError` is raised. (Should the
    database refuse the record right after the collector accepted a batch, that
    batch is sent again next time, with the same ids.)

The API the command line uses::

    send(db, url, *, since=None, status=None, agent_type=None, project=None,
         timeout=10.0, headers=None, batch_size=100, now=None) -> Sent

``Sent(runs, spans)`` counts what was accepted. Errors, each with a one-line
message: ``OTelMissingError`` (the extra is not installed), ``ExportError`` (a
``ValueError``: bad URL or filter, no database), ``CollectorError`` (a
``ConnectionError``: the collector could not be reached or refused the data).
``ERRORS`` is the tuple of the three.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from recorder import __version__
from recorder.hook import database
from recorder.schema.queries import sql
from recorder.sinks.export import ExportError, cleaned, open_database, query_parameters
from recorder.timespan import iso_z

INSTALL_HINT = "pip install 'agent-runs[otel]'"
SERVICE_NAME = "agent-runs"
PROVIDER = "anthropic"
TRACES_PATH = "/v1/traces"


class OTelMissingError(ImportError):
    """The OpenTelemetry packages of the ``otel`` extra are not installed."""


class CollectorError(ConnectionError):
    """The collector could not be reached or did not accept the spans."""


ERRORS = (OTelMissingError, ExportError, CollectorError)


@dataclass(frozen=True)
class Sent:
    """What the collector accepted: runs (traces) and spans."""

    runs: int = 0
    spans: int = 0


# --- the OpenTelemetry parts, imported only when exporting ------------------------------


def _otel() -> dict[str, Any]:
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
        from opentelemetry.sdk.trace.export import SpanExportResult
        from opentelemetry.sdk.trace.id_generator import IdGenerator
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON
        from opentelemetry.trace import SpanKind, Status, StatusCode
    except ImportError as exc:
        raise OTelMissingError(
            f"--otlp needs the OpenTelemetry packages ({exc.name or exc} is missing): "
            f"{INSTALL_HINT}"
        ) from None
    return {
        "trace": trace,
        "OTLPSpanExporter": OTLPSpanExporter,
        "Resource": Resource,
        "SpanProcessor": SpanProcessor,
        "TracerProvider": TracerProvider,
        "SpanExportResult": SpanExportResult,
        "IdGenerator": IdGenerator,
        "ALWAYS_ON": ALWAYS_ON,
        "SpanKind": SpanKind,
        "Status": Status,
        "StatusCode": StatusCode,
    }


def _pipeline(ot: dict[str, Any]):
    """A tracer whose ids we choose and whose ended spans are kept for export."""

    class PlannedIds(ot["IdGenerator"]):
        """Hands out the ids set just before each span starts (deterministic ids)."""

        trace_id = 0
        span_id = 0

        def generate_trace_id(self) -> int:
            return self.trace_id

        def generate_span_id(self) -> int:
            return self.span_id

    class Keep(ot["SpanProcessor"]):
        def __init__(self) -> None:
            self.spans: list = []

        def on_end(self, span) -> None:
            self.spans.append(span)

    ids = PlannedIds()
    keep = Keep()
    provider = ot["TracerProvider"](
        resource=ot["Resource"].create(
            {"service.name": SERVICE_NAME, "service.version": __version__}
        ),
        sampler=ot["ALWAYS_ON"],
        id_generator=ids,
        shutdown_on_exit=False,
    )
    provider.add_span_processor(keep)
    tracer = provider.get_tracer("agent-runs", __version__)
    return provider, tracer, ids, keep


# --- ids and times -----------------------------------------------------------------------


def _digest(*parts: object) -> bytes:
    text = "\0".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).digest()


def run_identity(run: dict) -> str:
    """What identifies a run across databases: its run_key, else id and creation time."""
    return run.get("run_key") or f"id:{run['id']}:{run.get('created_at') or ''}"


def trace_id_of(run: dict) -> int:
    """The run's 128-bit trace id (never 0)."""
    return int.from_bytes(_digest("agent-runs trace", run_identity(run))[:16], "big") or 1


def run_span_id(run: dict) -> int:
    """The 64-bit span id of the run's root span (never 0)."""
    return int.from_bytes(_digest("agent-runs run", run_identity(run))[:8], "big") or 1


def node_span_id(run: dict, node: dict) -> int:
    """The 64-bit span id of a node's span (never 0)."""
    key = node.get("tool_use_id") or f"{node.get('node_id')}:{node['id']}"
    return int.from_bytes(_digest("agent-runs node", run_identity(run), key)[:8], "big") or 1


def iso_to_ns(value: str | None) -> int | None:
    """An ISO 8601 time (a Z or an offset; none = UTC) as Unix nanoseconds, exactly."""
    if not value:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return calendar.timegm(moment.timetuple()) * 1_000_000_000 + moment.microsecond * 1000


def node_times(node: dict, run_start: int | None, run_end: int | None) -> tuple[int, int]:
    """A node's (start, end) in ns: its own times; else derived from its duration or run."""
    start = iso_to_ns(node.get("started_at"))
    end = iso_to_ns(node.get("completed_at"))
    duration = node.get("duration_ms")
    duration_ns = int(duration) * 1_000_000 if isinstance(duration, (int, float)) else None
    if start is None and end is not None and duration_ns is not None:
        start = end - duration_ns
    if start is None:
        start = iso_to_ns(node.get("created_at")) or run_start or end or 0
    if end is None:
        end = start + duration_ns if duration_ns is not None else max(start, run_end or start)
    return start, max(start, end)


# --- attributes ----------------------------------------------------------------------------


def _attributes(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Attributes without the NULLs (OpenTelemetry has no null attribute value)."""
    return {k: v for k, v in pairs if v is not None and v != ""}


def run_attributes(run: dict) -> dict[str, Any]:
    return _attributes(
        [
            ("gen_ai.operation.name", "invoke_workflow"),
            ("gen_ai.workflow.name", run.get("workflow_name")),
            ("gen_ai.provider.name", PROVIDER),
            ("gen_ai.conversation.id", run.get("session_id")),
            ("agent_runs.run_id", run["id"]),
            ("agent_runs.status", run.get("status")),
            ("agent_runs.project", run.get("project")),
            ("agent_runs.grouping", run.get("grouping")),
            ("agent_runs.prompt_id", run.get("prompt_id")),
            ("agent_runs.total_nodes", run.get("total_nodes")),
            ("agent_runs.completed_nodes", run.get("completed_nodes")),
            ("agent_runs.failed_nodes", run.get("failed_nodes")),
            ("agent_runs.cancelled_nodes", run.get("cancelled_nodes")),
            ("agent_runs.total_tokens", run.get("total_tokens")),
            ("agent_runs.cost_usd", run.get("cost_usd")),
            ("agent_runs.error_message", run.get("error_message")),
        ]
    )


def input_tokens(node: dict) -> int | None:
    """GenAI's input tokens: the uncached input plus the cache reads and writes."""
    if node.get("input_tokens") is None:
        return None
    return sum(
        node.get(k) or 0 for k in ("input_tokens", "cache_read_tokens", "cache_creation_tokens")
    )


def node_attributes(run: dict, node: dict) -> dict[str, Any]:
    failed = node.get("status") == "failed"
    return _attributes(
        [
            ("gen_ai.operation.name", "invoke_agent"),
            ("gen_ai.provider.name", PROVIDER),
            ("gen_ai.agent.name", node.get("agent_type")),
            ("gen_ai.agent.id", node.get("agent_id")),
            ("gen_ai.agent.description", node.get("node_name")),
            ("gen_ai.request.model", node.get("model")),
            ("gen_ai.usage.input_tokens", input_tokens(node)),
            ("gen_ai.usage.output_tokens", node.get("output_tokens")),
            ("gen_ai.usage.cache_read.input_tokens", node.get("cache_read_tokens")),
            ("gen_ai.usage.cache_creation.input_tokens", node.get("cache_creation_tokens")),
            ("gen_ai.conversation.id", node.get("session_id") or run.get("session_id")),
            ("error.type", (node.get("error_type") or "failed") if failed else None),
            ("agent_runs.status", node.get("status")),
            ("agent_runs.outcome", node.get("outcome")),
            ("agent_runs.outcome_reason", node.get("outcome_reason")),
            ("agent_runs.tool_use_count", node.get("tool_use_count")),
            ("agent_runs.total_tokens", node.get("token_count")),
            ("agent_runs.cost_usd", node.get("cost_usd")),
            ("agent_runs.cost_note", node.get("cost_note")),
            ("agent_runs.api_calls", node.get("api_calls")),
            ("agent_runs.context_tokens", node.get("context_tokens")),
            ("agent_runs.usage_source", node.get("usage_source")),
            ("agent_runs.duration_ms", node.get("duration_ms")),
            ("agent_runs.is_background", bool(node.get("is_background"))),
            ("agent_runs.project", node.get("project") or run.get("project")),
            ("agent_runs.run_id", node.get("run_id")),
            ("agent_runs.node_id", node.get("node_id")),
            ("agent_runs.node_execution_id", node.get("id")),
            ("agent_runs.tool_use_id", node.get("tool_use_id")),
        ]
    )


# --- building and sending ------------------------------------------------------------------


def _status(ot: dict[str, Any], failed: bool, description: str | None):
    if not failed:
        return ot["Status"](ot["StatusCode"].UNSET)
    return ot["Status"](ot["StatusCode"].ERROR, description or "failed")


def build_trace(ot, tracer, ids, run: dict, nodes: list[dict]) -> None:
    """Start and end the run's spans (the tracer's processor keeps them).

    The root span has the run's own start and end, widened where needed to cover
    its nodes (a span should contain its children).
    """
    trace = ot["trace"]
    kind = ot["SpanKind"].INTERNAL
    run_start = iso_to_ns(run.get("started_at")) or iso_to_ns(run.get("created_at"))
    run_end = (
        iso_to_ns(run.get("completed_at"))
        or iso_to_ns(run.get("closed_at"))
        or iso_to_ns(run.get("updated_at"))
    )
    timed = [(node, *node_times(node, run_start, run_end)) for node in nodes]
    starts = [s for _, s, _ in timed] + ([run_start] if run_start is not None else [])
    ends = [e for _, _, e in timed] + ([run_end] if run_end is not None else [])
    if not starts:
        starts = [iso_to_ns(iso_z(datetime.now(timezone.utc)))]
    start = min(starts)
    end = max(ends + [start])

    ids.trace_id = trace_id_of(run)
    ids.span_id = run_span_id(run)
    name = run.get("workflow_name") or f"run {run['id']}"
    root = tracer.start_span(
        f"invoke_workflow {name}",
        kind=kind,
        attributes=run_attributes(run),
        start_time=start,
    )
    parent = trace.set_span_in_context(root)
    for node, node_start, node_end in timed:
        ids.span_id = node_span_id(run, node)
        span = tracer.start_span(
            f"invoke_agent {node.get('agent_type') or 'subagent'}",
            context=parent,
            kind=kind,
            attributes=node_attributes(run, node),
            start_time=node_start,
        )
        failed = node.get("status") == "failed"
        span.set_status(
            _status(ot, failed, node.get("error_message") or node.get("outcome_reason"))
        )
        span.end(end_time=node_end)
    root.set_status(_status(ot, run.get("status") == "failed", run.get("error_message")))
    root.end(end_time=end)


def endpoint_url(url: str) -> str:
    """The OTLP/HTTP traces URL for ``url``: a bare collector address gets /v1/traces.

    ``http://collector:4318`` -> ``http://collector:4318/v1/traces``; a URL with a path
    (``https://host/api/public/otel/v1/traces``) is kept. Raises ExportError.
    """
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(
            f"--otlp {url!r} is not an http(s) URL (like http://localhost:4318/v1/traces)"
        )
    path = parts.path.rstrip("/")
    if not path:
        path = TRACES_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


class _Capture(logging.Handler):
    """Keeps the exporter's log messages (the reason for a failure) off stderr."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a broken log call must not hide the export result
            self.messages.append(str(record.msg))


def _recording_session():
    """A requests session that remembers the last response or error (None without requests).

    The exporter only says "failed"; this is where the reason comes from.
    """
    try:
        import requests
    except ImportError:
        return None

    class RecordingSession(requests.Session):
        last_error: BaseException | None = None
        last_response = None

        def request(self, *args, **kwargs):
            try:
                response = super().request(*args, **kwargs)
            except BaseException as exc:
                self.last_error, self.last_response = exc, None
                raise
            self.last_error, self.last_response = None, response
            return response

    return RecordingSession()


def _one_line(text: object, limit: int = 200) -> str:
    return " ".join(str(text).split())[:limit]


def _reason(session, messages: list[str], timeout: float) -> str:
    """Why the collector did not take the spans, in a few words."""
    error = getattr(session, "last_error", None)
    response = getattr(session, "last_response", None)
    texts = [str(error)] if error is not None else []
    texts += messages
    lowered = " ".join(texts).lower()
    for needle, reason in (
        ("connection refused", "connection refused"),
        ("name or service not known", "unknown host"),
        ("nodename nor servname", "unknown host"),
        ("failed to resolve", "unknown host"),
        ("getaddrinfo failed", "unknown host"),
        ("certificate verify failed", "TLS certificate verification failed"),
        ("timed out", f"no answer within {timeout:g}s"),
        ("read timeout", f"no answer within {timeout:g}s"),
    ):
        if needle in lowered:
            return reason
    if response is not None:
        body = _one_line(getattr(response, "text", "") or "", 120)
        return _one_line(f"HTTP {response.status_code} {response.reason or ''}".strip()) + (
            f": {body}" if body else ""
        )
    if error is not None:
        return _one_line(f"{type(error).__name__}: {error}")
    failures = [m for m in messages if "Failed to export" in m] or messages
    return _one_line(failures[-1]) if failures else "the collector did not accept the spans"


def _export(ot, exporter, session, spans: list, endpoint: str, timeout: float) -> None:
    """Hand ``spans`` to the OTLP exporter; CollectorError unless accepted."""
    capture = _Capture()
    logger = logging.getLogger("opentelemetry.exporter")
    saved = logger.propagate
    logger.addHandler(capture)
    logger.propagate = False
    try:
        result = exporter.export(spans)
    except Exception as exc:  # the exporter reports by result; be safe anyway
        raise CollectorError(f"could not send traces to {endpoint}: {_one_line(exc)}") from None
    finally:
        logger.removeHandler(capture)
        logger.propagate = saved
    if result != ot["SpanExportResult"].SUCCESS:
        reason = _reason(session, capture.messages, timeout)
        raise CollectorError(f"could not send traces to {endpoint}: {reason}")


def send(
    db: str | os.PathLike | sqlite3.Connection,
    url: str,
    *,
    since: str | datetime | None = None,
    status: str | Iterable[str] | None = None,
    agent_type: str | Iterable[str] | None = None,
    project: str | Iterable[str] | None = None,
    timeout: float = 10.0,
    headers: dict[str, str] | None = None,
    batch_size: int = 100,
    now: datetime | None = None,
) -> Sent:
    """Send every finished run not yet sent to ``url`` as a trace; return what was sent.

    Filters as for :func:`recorder.sinks.export.export` (kind "runs"); they only narrow
    which unsent runs go now. ``timeout`` bounds each request including the
    exporter's retries (seconds); ``headers`` are extra HTTP headers (else
    ``OTEL_EXPORTER_OTLP_TRACES_HEADERS`` / ``OTEL_EXPORTER_OTLP_HEADERS`` apply).
    Runs are sent ``batch_size`` per request and recorded as sent batch by batch.
    """
    ot = _otel()
    endpoint = endpoint_url(url)
    parameters = query_parameters(
        "runs", since=since, status=status, agent_type=agent_type, project=project, now=now
    )
    conn = db if isinstance(db, sqlite3.Connection) else open_database(db)
    provider, tracer, ids, keep = _pipeline(ot)
    session = _recording_session()
    exporter = ot["OTLPSpanExporter"](
        endpoint=endpoint, timeout=timeout, headers=headers, session=session
    )
    sent_runs = sent_spans = 0
    after = 0
    try:
        database.require_writable(conn)  # what is sent is marked: never send and fail after
        while True:
            batch = _next_runs(
                conn, dict(parameters, endpoint=endpoint, after=after, limit=max(1, batch_size))
            )
            if not batch:
                break
            after = batch[-1]["id"]
            nodes = _nodes_of(conn, [run["id"] for run in batch])
            keep.spans.clear()
            for run in batch:
                build_trace(ot, tracer, ids, run, nodes.get(run["id"], []))
            spans = list(keep.spans)
            _export(ot, exporter, session, spans, endpoint, timeout)
            _mark_sent(conn, endpoint, batch)
            sent_runs += len(batch)
            sent_spans += len(spans)
    except sqlite3.Error as exc:
        raise ExportError(f"database error during --otlp export: {exc}") from None
    finally:
        exporter.shutdown()
        provider.shutdown()
        if conn is not db:
            conn.close()
    return Sent(runs=sent_runs, spans=sent_spans)


def _next_runs(conn: sqlite3.Connection, parameters: dict) -> list[dict]:
    columns, found = cleaned(conn, "export_otlp_runs", parameters)
    return [dict(zip(columns, row, strict=True)) for row in found]


def _nodes_of(conn: sqlite3.Connection, run_ids: list[int]) -> dict[int, list[dict]]:
    columns, found = cleaned(conn, "export_otlp_nodes", {"run_ids": json.dumps(run_ids)})
    by_run: dict[int, list[dict]] = {}
    for row in found:
        node = dict(zip(columns, row, strict=True))
        by_run.setdefault(node["run_id"], []).append(node)
    return by_run


def _mark_sent(conn: sqlite3.Connection, endpoint: str, runs: list[dict]) -> None:
    exported_at = iso_z(datetime.now(timezone.utc))
    marks = [
        {
            "endpoint": endpoint,
            "run_id": run["id"],
            "trace_id": f"{trace_id_of(run):032x}",
            "run_status": run.get("status"),
            "run_updated_at": run.get("updated_at"),
            "exported_at": exported_at,
        }
        for run in runs
    ]
    database.write(conn, lambda c: c.executemany(sql("export_otlp_mark"), marks))
