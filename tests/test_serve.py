"""`agent-runs serve`: Datasette with everything wired, on loopback; datasette-vega everywhere."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import CLI
from datasette.app import Datasette
from test_datasette_helpers import build, get


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    return build(tmp_path_factory.mktemp("serve") / "index.db")


def test_serve_starts_datasette_with_the_dashboard_on_loopback(known):
    port = free_port()
    server = subprocess.Popen(
        [CLI, "serve", "--db", str(known), "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/agent-runs") as r:
                    assert r.status == 200 and b"Agent runs" in r.read()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/plugins.json") as r:
            names = {p["name"] for p in json.load(r)}
        assert {"datasette-vega", "agent-runs"} <= names
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    "path", ["/index/node_executions", "/index/workflow_runs", "/index/failed-tasks-this-week"]
)
def test_datasette_vega_is_on_table_and_query_pages(known, path):
    ds = Datasette([str(known)])
    html = get(ds, path).text
    assert "/-/static-plugins/datasette-vega/" in html or "datasette_vega" in html
