"""``export --otlp``: runs as OpenTelemetry traces, received by a real OTLP/HTTP endpoint.

The receiver is a small http.server on 127.0.0.1 that accepts POST /v1/traces and
decodes the body with the OpenTelemetry protobuf definitions
(ExportTraceServiceRequest), as a collector does.
"""

from __future__ import annotations

import gzip
import sqlite3
import sys
import threading
import zlib
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import event, post, query, task_input
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from test_datasette_helpers import build, iso

from recorder.derive import apply as ingest
from recorder.hook import database, keep
from recorder.sinks import otlp
from recorder.sinks.export import ExportError

NOW = datetime.now(timezone.utc).replace(microsecond=0)
STATUS_ERROR = Status.StatusCode.STATUS_CODE_ERROR
STATUS_UNSET = Status.StatusCode.STATUS_CODE_UNSET


class Receiver:
    """An OTLP/HTTP traces endpoint on 127.0.0.1; keeps every decoded request."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.fail_with: int | None = None  # answer every POST with this status
        self.fail_after: int | None = None  # ... once this many requests were accepted
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                if self.path != "/v1/traces":
                    return self.answer(404, b"not found", "text/plain")
                failing = receiver.fail_with is not None and (
                    receiver.fail_after is None or len(receiver.requests) >= receiver.fail_after
                )
                if failing:
                    return self.answer(receiver.fail_with, b"no thanks", "text/plain")
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver.requests.append(request)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.answer(200, reply, "application/x-protobuf")

            def answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1/traces"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def spans(self) -> list[tuple[dict, Span]]:
        """(resource attributes, span) for every span received."""
        out = []
        for request in self.requests:
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    out.extend((resource, span) for span in scope_spans.spans)
        return out

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def attributes(key_values) -> dict:
    out = {}
    for kv in key_values:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, kind)
    return out


def ns(value: str) -> int:
    """An ISO time with a Z as Unix nanoseconds, computed independently of the code."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch):
    """requests honours HTTP(S)_PROXY; the receiver is on loopback, never behind one."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def known(tmp_path) -> Path:
    return build(tmp_path / "memory" / "index.db", now=NOW)


def marks(db: Path) -> list[dict]:
    return query(db, "SELECT * FROM _agent_runs_otlp_exports ORDER BY endpoint, run_id")


def by_trace(spans: list[tuple[dict, Span]]) -> dict[bytes, list[Span]]:
    traces: dict[bytes, list[Span]] = {}
    for _, span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    return traces


def finish_run_4(db: Path) -> None:
    """Node F finishes and the turn ends: run 4 becomes a finished run."""
    other = {"cwd": "/home/u/other"}
    payloads = [
        (
            post(
                "toolu_F",
                session="sess-b",
                tool_input=task_input(
                    description="Profile import",
                    prompt="Please profile import",
                    subagent_type="general-purpose",
                ),
                **other,
            ),
            NOW,
        ),
        (event("Stop", "sess-b", **other), NOW),
    ]
    conn = database.connect(str(db))
    try:
        ingest.record(conn, [keep.stamp(p, received_at=iso(at)) for p, at in payloads], db=str(db))
    finally:
        conn.close()


# --- what is sent ------------------------------------------------------------------------


def test_each_finished_run_is_one_trace_with_a_span_per_node(known, receiver):
    sent = otlp.send(known, receiver.url, timeout=5)
    assert sent == otlp.Sent(runs=3, spans=3 + 5)  # runs 1-3 (run 4 is still running)

    spans = receiver.spans()
    assert len(spans) == 8
    for resource, _ in spans:
        assert resource["service.name"] == "agent-runs"
    traces = by_trace(spans)
    assert len(traces) == 3

    runs = {r["id"]: r for r in query(known, "SELECT * FROM workflow_runs")}
    nodes = {n["tool_use_id"]: n for n in query(known, "SELECT * FROM node_executions")}
    roots = {}
    for trace_spans in traces.values():
        [root] = [s for s in trace_spans if not s.parent_span_id]
        children = [s for s in trace_spans if s.parent_span_id]
        assert all(c.parent_span_id == root.span_id for c in children)
        run = runs[attributes(root.attributes)["agent_runs.run_id"]]
        roots[run["id"]] = (root, children)
        assert root.start_time_unix_nano == ns(run["started_at"])
        assert root.end_time_unix_nano == ns(run["completed_at"])
        assert len(children) == run["total_nodes"]
        for child in children:
            assert root.start_time_unix_nano <= child.start_time_unix_nano
            assert child.end_time_unix_nano <= root.end_time_unix_nano
    assert sorted(roots) == [1, 2, 3]
    assert {len(c) for _, c in roots.values()} == {3, 1}

    root1, children1 = roots[1]
    assert root1.name.startswith("invoke_workflow Why is the checkout flaky?")
    assert root1.kind == Span.SpanKind.SPAN_KIND_INTERNAL
    assert root1.status.code == STATUS_ERROR
    assert root1.status.message == runs[1]["error_message"]
    root_attrs = attributes(root1.attributes)
    assert root_attrs["gen_ai.operation.name"] == "invoke_workflow"
    assert root_attrs["gen_ai.conversation.id"] == "sess-a"
    assert root_attrs["agent_runs.project"] == "/home/u/proj"
    assert root_attrs["agent_runs.status"] == "failed"
    assert roots[2][0].status.code == STATUS_UNSET

    by_tool = {attributes(c.attributes)["agent_runs.tool_use_id"]: c for c in children1}
    assert sorted(by_tool) == ["toolu_A", "toolu_B", "toolu_C"]
    for tool_use_id, span in by_tool.items():
        node = nodes[tool_use_id]
        assert span.start_time_unix_nano == ns(node["started_at"])
        assert span.end_time_unix_nano == ns(node["completed_at"])
        assert span.name == f"invoke_agent {node['agent_type']}"
        attrs = attributes(span.attributes)
        assert attrs == {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.agent.name": node["agent_type"],
            "gen_ai.agent.id": node["agent_id"],
            "gen_ai.agent.description": node["node_name"],
            "gen_ai.usage.input_tokens": node["input_tokens"]
            + (node["cache_read_tokens"] or 0)
            + (node["cache_creation_tokens"] or 0),
            "gen_ai.usage.output_tokens": node["output_tokens"],
            "gen_ai.conversation.id": "sess-a",
            "agent_runs.status": node["status"],
            "agent_runs.outcome": node["outcome"],
            "agent_runs.outcome_reason": node["outcome_reason"],
            "agent_runs.tool_use_count": 2,
            "agent_runs.total_tokens": node["token_count"],
            "agent_runs.context_tokens": node["context_tokens"],
            "agent_runs.usage_source": "tool_response",
            "agent_runs.cost_note": "no readable subagent transcript: cost unknown",
            "agent_runs.duration_ms": node["duration_ms"],
            "agent_runs.is_background": False,
            "agent_runs.project": "/home/u/proj",
            "agent_runs.run_id": 1,
            "agent_runs.node_id": node["node_id"],
            "agent_runs.node_execution_id": node["id"],
            "agent_runs.tool_use_id": tool_use_id,
            **({"error.type": "subagent_failure"} if node["status"] == "failed" else {}),
        }
    assert by_tool["toolu_C"].status.code == STATUS_ERROR
    assert by_tool["toolu_C"].status.message == nodes["toolu_C"]["error_message"]
    assert by_tool["toolu_A"].status.code == STATUS_UNSET
    # Parallel subagents overlap on the timeline (A runs while B and C do).
    a, c = by_tool["toolu_A"], by_tool["toolu_C"]
    assert c.start_time_unix_nano < a.end_time_unix_nano

    # The ledger: one mark per sent run, with its trace id.
    recorded = marks(known)
    assert [m["run_id"] for m in recorded] == [1, 2, 3]
    assert {m["endpoint"] for m in recorded} == {receiver.url}
    assert {bytes.fromhex(m["trace_id"]) for m in recorded} == set(traces)


def test_model_and_cache_tokens_become_gen_ai_attributes(tmp_path, receiver):
    db = tmp_path / "index.db"
    conn = database.connect(str(db))
    conn.execute(
        "INSERT INTO workflow_runs (id, status, started_at, completed_at, session_id) "
        "VALUES (7, 'completed', '2026-01-02T03:04:05.006Z', '2026-01-02T03:05:00.000Z', 's')"
    )
    conn.execute(
        """INSERT INTO node_executions (run_id, node_id, tool_use_id, agent_type, model,
               status, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
               started_at, completed_at, session_id, cost_usd, api_calls, usage_source)
           VALUES (7, 'n1', 'toolu_X', 'Explore', 'claude-sonnet-4-5', 'completed',
               10, 20, 30, 40, '2026-01-02T03:04:05.123Z', '2026-01-02T03:04:59.999Z', 's',
               0.25, 3, 'transcript')"""
    )
    conn.close()
    assert otlp.send(db, f"http://127.0.0.1:{receiver.port}", timeout=5) == otlp.Sent(1, 2)
    [root, node] = sorted((s for _, s in receiver.spans()), key=lambda s: len(s.parent_span_id))
    attrs = attributes(node.attributes)
    assert attrs["gen_ai.request.model"] == "claude-sonnet-4-5"
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 30
    assert attrs["gen_ai.usage.cache_creation.input_tokens"] == 40
    assert attrs["gen_ai.usage.input_tokens"] == 80  # cache tokens included, as GenAI says
    assert attrs["gen_ai.usage.output_tokens"] == 20
    assert attrs["agent_runs.cost_usd"] == 0.25
    assert (attrs["agent_runs.api_calls"], attrs["agent_runs.usage_source"]) == (3, "transcript")
    assert node.start_time_unix_nano == 1767323045123000000
    assert node.end_time_unix_nano == 1767323099999000000
    assert root.start_time_unix_nano == 1767323045006000000
    assert root.name == "invoke_workflow run 7"


def test_ids_are_derived_from_the_run_and_node(known, receiver):
    otlp.send(known, receiver.url, timeout=5)
    first = sorted((s.trace_id, s.span_id) for _, s in receiver.spans())
    # The same rows in another database (another machine) give the same ids.
    copy = known.parent / "copy.db"
    source = sqlite3.connect(known)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("DELETE FROM _agent_runs_otlp_exports")
    target.commit()
    target.close()
    receiver.requests.clear()
    otlp.send(copy, receiver.url, timeout=5)
    assert sorted((s.trace_id, s.span_id) for _, s in receiver.spans()) == first
    assert len({span_id for _, span_id in first}) == len(first)


# --- sent once ----------------------------------------------------------------------------


def test_a_second_export_sends_nothing_and_a_newly_finished_run_is_sent_next(known, receiver):
    assert otlp.send(known, receiver.url, timeout=5).runs == 3
    requests = len(receiver.requests)
    assert otlp.send(known, receiver.url, timeout=5) == otlp.Sent(0, 0)
    assert len(receiver.requests) == requests  # no request at all

    finish_run_4(known)
    assert query(known, "SELECT status FROM workflow_runs WHERE id = 4")[0]["status"] in (
        "completed",
        "failed",
    )
    receiver.requests.clear()
    assert otlp.send(known, receiver.url, timeout=5) == otlp.Sent(runs=1, spans=2)
    run_ids = {attributes(s.attributes)["agent_runs.run_id"] for _, s in receiver.spans()}
    assert run_ids == {4}
    assert [m["run_id"] for m in marks(known)] == [1, 2, 3, 4]
    assert otlp.send(known, receiver.url, timeout=5) == otlp.Sent(0, 0)


def test_a_run_changed_after_export_is_not_sent_again(known, receiver):
    otlp.send(known, receiver.url, timeout=5)
    conn = database.connect(str(known))
    conn.execute(
        "UPDATE workflow_runs SET error_message = 'changed', updated_at = 'x' WHERE id = 1"
    )
    conn.close()
    receiver.requests.clear()
    assert otlp.send(known, receiver.url, timeout=5) == otlp.Sent(0, 0)
    assert receiver.requests == []


def test_filters_narrow_what_goes_now_and_the_rest_goes_later(known, receiver):
    assert otlp.send(known, receiver.url, since="24h", now=NOW, timeout=5).runs == 1
    assert [m["run_id"] for m in marks(known)] == [1]
    assert otlp.send(known, receiver.url, agent_type="Plan", timeout=5).runs == 1  # run 3
    assert otlp.send(known, receiver.url, status="completed", timeout=5).runs == 1  # run 2
    assert [m["run_id"] for m in marks(known)] == [1, 2, 3]


def test_each_collector_gets_the_whole_history_once(known, receiver):
    assert otlp.send(known, receiver.url, timeout=5).runs == 3
    other = f"http://localhost:{receiver.port}"  # another endpoint URL (same receiver)
    assert otlp.send(known, other, timeout=5).runs == 3
    assert otlp.send(known, other + "/", timeout=5).runs == 0
    assert {m["endpoint"] for m in marks(known)} == {receiver.url, other + "/v1/traces"}


def test_batches_are_marked_as_they_are_accepted(known, receiver):
    receiver.fail_with, receiver.fail_after = 400, 2
    with pytest.raises(otlp.CollectorError):
        otlp.send(known, receiver.url, batch_size=1, timeout=5)
    assert [m["run_id"] for m in marks(known)] == [1, 2]
    receiver.fail_with = None
    assert otlp.send(known, receiver.url, batch_size=1, timeout=5) == otlp.Sent(1, 2)
    assert [m["run_id"] for m in marks(known)] == [1, 2, 3]


# --- failures ---------------------------------------------------------------------------


def test_collector_down_is_a_one_line_error_and_nothing_is_marked(known, receiver):
    url = receiver.url
    receiver.stop()
    with pytest.raises(otlp.CollectorError) as info:
        otlp.send(known, url, timeout=1)
    message = str(info.value)
    assert isinstance(info.value, ConnectionError)
    assert "\n" not in message
    assert message == f"could not send traces to {url}: connection refused"
    assert marks(known) == []


@pytest.mark.parametrize("status", [400, 404, 500])
def test_collector_refusing_is_an_error_and_nothing_is_marked(known, receiver, status):
    receiver.fail_with = status
    url = receiver.url if status != 404 else receiver.url.replace("/v1/traces", "/elsewhere")
    with pytest.raises(otlp.CollectorError) as info:
        otlp.send(known, url, timeout=1)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"could not send traces to {url}: ")
    assert str(status) in str(info.value) or status == 500
    assert marks(known) == []


def test_a_database_it_cannot_mark_in_gets_nothing_sent(known, receiver):
    """Every run sent is marked as sent: a read-only database would be sent again and again."""
    conn = sqlite3.connect(f"file:{known}?mode=ro", uri=True)
    try:
        with pytest.raises(ExportError, match="readonly"):
            otlp.send(conn, receiver.url, timeout=1)
    finally:
        conn.close()
    assert receiver.requests == [] and marks(known) == []


def test_bad_url_and_bad_filters_are_value_errors(known):
    for url in ("localhost:4318", "ftp://host/v1/traces", "", "http://"):
        with pytest.raises(ValueError, match="--otlp"):
            otlp.send(known, url)
    with pytest.raises(ValueError, match="--since"):
        otlp.send(known, "http://127.0.0.1:9", since="last week")
    assert marks(known) == []


def test_endpoint_url():
    assert otlp.endpoint_url("http://c:4318") == "http://c:4318/v1/traces"
    assert otlp.endpoint_url("http://c:4318/") == "http://c:4318/v1/traces"
    assert otlp.endpoint_url("https://c/v1/traces/") == "https://c/v1/traces"
    assert otlp.endpoint_url("https://c/api/public/otel/v1/traces") == (
        "https://c/api/public/otel/v1/traces"
    )


def test_without_the_otel_extra_the_error_says_what_to_install(known, monkeypatch):
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(otlp.OTelMissingError) as info:
        otlp.send(known, "http://127.0.0.1:9")
    assert "pip install 'agent-runs[otel]'" in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, otlp.ERRORS)


def test_export_marks_table_comes_from_a_migration(tmp_path):
    conn = database.connect(str(tmp_path / "index.db"))
    names = [r[0] for r in conn.execute("SELECT name FROM _agent_runs_migrations")]
    conn.close()
    assert "m009_otlp_exports" in names
