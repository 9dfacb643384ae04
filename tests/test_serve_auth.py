"""Serving: anonymous access only on loopback; with auth, 403 on every data page and API.

The pages are enumerated from Datasette's own route table, so a route nobody
classified (a new Datasette or plugin route) fails the test until it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import CLI, run_cli
from datasette.app import Datasette
from datasette.plugins import get_plugins
from test_datasette_helpers import build

from datasette_plugins import auth, locate

SECRET = "test-secret-for-signing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("auth") / "index.db")


def canned_names() -> list[str]:
    return sorted(p.stem for p in (locate.data_dir() / "canned_queries").glob("*.sql"))


def data_paths(db: Path) -> list[str]:
    """Every page and JSON endpoint that shows data: 403 anonymous when auth is required."""
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    conn.close()
    paths = ["/", "/.json", "/index", "/index.json", "/index?sql=select+1"]
    paths += ["/index.json?sql=select+count(*)+from+node_executions"]
    for table in tables:
        paths += [f"/index/{table}", f"/index/{table}.json", f"/index/{table}.csv"]
    paths += ["/index/node_executions.ndjson", "/index/workflow_runs.ndjson"]
    paths += ["/index/node_executions/1", "/index/node_executions/1.json"]
    paths += [
        "/index/workflow_runs/1.json",
        "/index/sessions/sess-a",
        "/index/sessions/sess-a.json",
    ]
    paths += ["/index/node_executions.json?_search=checkout"]
    for name in canned_names():
        paths += [f"/index/{name}", f"/index/{name}.json", f"/index/{name}.ndjson"]
    paths += ["/index/search-tasks.json?q=checkout"]
    paths += ["/-/agent-runs", "/-/agent-runs.json", "/-/agent-runs/status.json"]
    paths += ["/-/agent-runs/runs/1", "/-/agent-runs/runs/1.json"]
    for special in ("metadata", "versions", "plugins", "settings", "threads", "databases"):
        paths += [f"/-/{special}", f"/-/{special}.json"]
    paths += ["/-/actor.json", "/-/patterns", "/-/messages"]
    return paths


def vega_files() -> list[str]:
    """A static file of datasette-vega, under both names Datasette mounts it at."""
    (vega,) = [p for p in get_plugins() if p["name"] == "datasette-vega"]
    name = sorted(os.listdir(vega["static_path"]))[0]
    return [f"/-/static-plugins/{mount}/{name}" for mount in ("datasette-vega", "datasette_vega")]


# Not data: the same answer with or without auth (assets, redirects, forms, sign in/out).
PUBLIC = {
    "/favicon.ico": 200,
    "/-/static/app.css": 200,
    "/-/agent-runs/static/agent-runs.css": 200,
    "/:memory:": 301,
    "/-/config": 301,
    "/-/config.json": 301,
    "/-/logout": 302,
    "/-/allow-debug": 200,
    "/-/agent-runs/login": 403,  # without a valid token
}
# Never served to anyone here: root-only debugging, the root token, downloading the file.
NEVER = ["/-/permissions", "/-/auth-token", "/index.db"]


def instance(db: Path, required: bool) -> Datasette:
    metadata = {"plugins": {"agent-runs": {"auth": "required"}}} if required else {}
    return Datasette([str(db)], metadata=metadata, secret=SECRET)


def status(ds: Datasette, path: str, headers: dict | None = None) -> int:
    return asyncio.run(ds.client.get(path, headers=headers or {})).status_code


def bearer(ds: Datasette, actor: str = "tester") -> dict:
    return {"Authorization": f"Bearer {auth.make_token(ds, actor)}"}


def test_every_route_is_classified(known):
    ds = instance(known, required=True)
    paths = data_paths(known) + list(PUBLIC) + NEVER + vega_files()
    routes = ds._routes()
    for pattern, _ in routes:
        assert any(pattern.match(p.split("?")[0]) for p in paths), pattern.pattern
    assert len(routes) >= 30


def test_with_auth_anonymous_gets_403_on_every_data_page_and_a_token_gets_200(known):
    ds = instance(known, required=True)
    signed_in = bearer(ds)
    for path in data_paths(known):
        assert status(ds, path) == 403, path
        assert status(ds, path, {"Authorization": "Bearer not-a-token"}) == 403, path
        assert status(ds, path, signed_in) == 200, path


def test_without_auth_loopback_datasette_stays_open(known):
    ds = Datasette([str(known)])  # bare `datasette index.db`
    for path in data_paths(known):
        assert status(ds, path) == 200, path


def test_assets_and_redirects_are_the_same_with_or_without_auth(known):
    open_ds, closed_ds = instance(known, required=False), instance(known, required=True)
    for path, expected in [*PUBLIC.items(), *((f, 200) for f in vega_files())]:
        assert status(open_ds, path) == status(closed_ds, path) == expected, path
    for path in NEVER:
        assert status(open_ds, path) == status(closed_ds, path, bearer(closed_ds)) == 403, path


def test_the_page_overrides_are_no_pages_of_their_own(known):
    """Our query and database templates extend Datasette's pages; none answers at a URL."""
    for required in (False, True):
        ds = instance(known, required)
        assert {path: status(ds, path) for path in ("/database", "/query")} == {
            "/database": 404,
            "/query": 404,
        }
    page = asyncio.run(instance(known, False).client.get("/index")).text  # the override works
    listed = re.findall(r'<h3><a href="/index/([a-z_]+)"', page)
    assert listed[:4] == ["tasks", "workflow_runs", "sessions", "learnings"]


def test_a_sign_in_link_works_once_and_a_bad_or_stale_one_is_refused(known):
    ds = instance(known, required=True)
    code = auth.make_login_code(ds, "browser-user")
    response = asyncio.run(ds.client.get(f"/-/agent-runs/login?code={code}"))
    assert response.status_code == 302 and response.headers["location"] == "/-/agent-runs"
    cookie = response.cookies["ds_actor"]
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "max-age" in response.headers["set-cookie"].lower()
    page = asyncio.run(ds.client.get("/index/node_executions.json", cookies={"ds_actor": cookie}))
    assert page.status_code == 200
    assert status(ds, f"/-/agent-runs/login?code={code}") == 403  # single use
    forged = Datasette([str(known)], secret="another-secret")
    now = int(time.time())
    stale = ds.sign(
        {"a": {"id": "x"}, "i": now - 900, "e": now - 300, "n": "ab"}, "agent-runs-login"
    )
    bearer_token = auth.make_token(ds, "x")  # a long-lived token is no sign-in link
    for bad in ("", "garbage", auth.make_login_code(forged, "mallory"), stale, bearer_token):
        assert status(ds, f"/-/agent-runs/login?code={bad}") == 403
    assert status(ds, f"/-/agent-runs/login?token={bearer_token}") == 403


# --- through a real `agent-runs serve` -----------------------------------------------


@contextlib.contextmanager
def serving(args: list[str], env: dict):
    port = free_port()
    server = subprocess.Popen(
        [CLI, "serve", *args, "-p", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, **env),
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def http_get(
    port: int, path: str, headers: dict | None = None, follow: bool = False
) -> tuple[int, bytes]:
    """A request to 127.0.0.1, the path sent exactly as given (no normalising);
    with ``follow``, redirects within the server are followed (at most 5)."""
    for _ in range(6):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            code, body, location = response.status, response.read(), response.getheader("location")
        finally:
            conn.close()
        if not (follow and code in (301, 302) and location and location.startswith("/")):
            return code, body
        path = location
    raise AssertionError(f"redirect loop at {path}")


@pytest.fixture
def config_home(tmp_path) -> dict:
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "DATASETTE_SECRET": ""}


def test_serve_refuses_a_public_address_without_auth(known, config_home):
    for host in ("0.0.0.0", "::", "192.168.1.20", "example.com"):
        result = run_cli("serve", "--db", str(known), "-h", host, env=config_home)
        assert result.returncode == 1 and "refusing to bind" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_serve_with_auth_on_all_interfaces_refuses_anonymous_and_accepts_tokens(known, config_home):
    before = known.read_bytes()
    made = run_cli("token", "--actor", "ci", env=config_home)  # made before the server ran
    assert made.returncode == 0, made.stderr
    secret_file = Path(config_home["XDG_CONFIG_HOME"]) / "agent-runs" / "datasette-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    token = made.stdout.strip()
    with serving(["--db", str(known), "--auth", "-h", "0.0.0.0"], config_home) as (port, server):
        banner = ""
        while "Bearer" not in banner:
            banner += server.stderr.readline()
        code = re.search(r"/-/agent-runs/login\?code=(\S+) \(one use", banner).group(1)
        for path in data_paths(known):
            assert http_get(port, path)[0] == 403, path
            assert http_get(port, path, {"Authorization": f"Bearer {token}"})[0] == 200, path
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/-/agent-runs/login?code={code}")
        signed_in = conn.getresponse()
        assert signed_in.status == 302  # and the browser stays signed in as a token lasts
        age = re.search(r"max-age=(\d+)", signed_in.getheader("set-cookie").lower())
        assert int(age.group(1)) > 29 * 86_400
        conn.close()
    printed = re.search(r"'Authorization: Bearer (\S+)'", banner)
    assert printed
    assert known.read_bytes() == before
    # the same secret after a restart: the printed token still works, the used code does not
    with serving(["--db", str(known), "--auth"], config_home) as (port, _):
        headers = {"Authorization": f"Bearer {printed.group(1)}"}
        assert http_get(port, "/-/agent-runs.json", headers)[0] == 200
        assert http_get(port, "/-/agent-runs.json")[0] == 403
        assert http_get(port, f"/-/agent-runs/login?code={code}")[0] == 403


def test_serve_on_loopback_without_auth_is_open(known, config_home):
    with serving(["--db", str(known)], config_home) as (port, _):
        for path in ("/index/node_executions.json", "/-/agent-runs.json", "/-/metadata.json"):
            assert http_get(port, path)[0] == 200, path


SAFE_HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def safe_headers(headers) -> dict:
    return {name: headers.get(name) for name in SAFE_HEADERS}


def test_pages_cannot_be_framed_sniffed_or_leak_a_referrer(known, config_home, tmp_path):
    with serving(["--db", str(known)], config_home) as (port, _):
        for path in ("/-/agent-runs", "/index/node_executions.json", "/index/failure-reasons.csv"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.status == 200, path
            assert safe_headers(response.headers) == SAFE_HEADERS, path
            conn.close()
    other = tmp_path / "other.db"  # a Datasette of the user's own: its pages stay as they were
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    ds = Datasette([str(known), str(other)])
    ours = asyncio.run(ds.client.get("/-/agent-runs?db=index"))
    assert safe_headers(ours.headers) == SAFE_HEADERS
    theirs = asyncio.run(ds.client.get("/other/t.json"))
    assert theirs.status_code == 200 and theirs.headers.get("x-frame-options") is None


def test_a_secret_file_others_can_read_is_refused(known, config_home):
    secret_file = Path(config_home["XDG_CONFIG_HOME"]) / "agent-runs" / "datasette-secret"
    secret_file.parent.mkdir(parents=True)
    secret_file.write_text("shared-secret\n")
    secret_file.chmod(0o644)
    for args in (["token"], ["serve", "--db", str(known), "--auth"]):
        result = run_cli(*args, env=config_home)
        assert result.returncode == 1 and "chmod 600" in result.stderr, args
        assert "Traceback" not in result.stderr


# --- nothing writes, nothing reads files -------------------------------------------------

WRITES = [
    "insert into sessions (id) values ('x')",
    "update node_executions set status = 'x'",
    "delete from node_executions",
    "drop table sessions",
    "with doomed as (select 1) delete from sessions",
    "select 1; delete from sessions",
    "attach database '{dir}/attached.db' as evil",
    "vacuum into '{dir}/copy.db'",
    "pragma user_version = 99",
    "pragma journal_mode = delete",
    "create table t (x)",
    "select load_extension('{dir}/evil.so')",
    "select readfile('/etc/passwd')",
    "select writefile('{dir}/written', 'x')",
    "select edit('x')",
    "select fts3_tokenizer('simple')",
    "select hex(fts3_tokenizer('simple'))",
    "select fts3_tokenizer('simple', x'4141414141414141')",
]


def snapshot(db: Path) -> tuple[bytes, bytes]:
    """The database file and its WAL's content (readers may leave an empty WAL beside it)."""
    wal = Path(f"{db}-wal")
    return db.read_bytes(), wal.read_bytes() if wal.exists() else b""


def close(ds: Datasette) -> None:
    for database in ds.databases.values():
        database.close()


@pytest.mark.parametrize("sql", WRITES)
def test_sql_from_the_web_cannot_write_or_touch_files(tmp_path, sql):
    db = build(tmp_path / "web" / "index.db")
    outside = tmp_path / "outside"
    outside.mkdir()
    before = snapshot(db)
    ds = Datasette([str(db)])
    text = sql.format(dir=outside)
    for path in ("/index.json", "/index"):
        response = asyncio.run(ds.client.get(path, params={"sql": text}))
        assert response.status_code in (400, 403), (path, response.text[:200])
        assert b"root:" not in response.content
    close(ds)
    assert list(outside.iterdir()) == []
    assert snapshot(db) == before


def test_no_canned_query_writes_and_posting_changes_nothing(known):
    before = snapshot(known)
    ds = Datasette([str(known)])
    queries = asyncio.run(ds.get_canned_queries("index", None))
    assert set(queries) >= set(canned_names())
    assert not [name for name, q in queries.items() if q.get("write")]
    for name in queries:
        for path in (f"/index/{name}", f"/index/{name}.json"):
            response = asyncio.run(ds.client.post(path, data={"q": "x"}))
            assert response.status_code == 405, path  # (Datasette 0.65 alone answers 500)
            assert response.headers["allow"] == "GET"
    for path in (
        "/-/agent-runs",
        "/-/agent-runs.json",
        "/-/agent-runs/status.json",
        "/-/agent-runs/runs/1",
        "/-/agent-runs/static/agent-runs.css",
        "/-/agent-runs/login",
        "/index?sql=delete+from+sessions",
        "/index/sessions",
        "/index/node_executions/1",
    ):
        response = asyncio.run(ds.client.post(path, data={"x": "1"}))
        assert response.status_code in (403, 405), path
    close(ds)
    assert snapshot(known) == before


TRAVERSALS = [
    "/-/agent-runs/static/../../../pyproject.toml",
    "/-/agent-runs/static/..%2F..%2F..%2Fpyproject.toml",
    "/-/agent-runs/static/%2e%2e%2fassets.py",
    "/-/agent-runs/static/assets.py",
    "/-/agent-runs/static/..%2Fauth.py",
    "/-/agent-runs/static/agent-runs.css%00.py",
    "/-/agent-runs/runs/1/../../../../etc/passwd",
    "/-/static/../../../../../../etc/passwd",
    "/-/static/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/-/static-plugins/datasette-vega/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/-/static-plugins/agent-runs/..%2Fauth.py",
]


def test_no_path_reaches_a_file_outside_the_static_folders(known, config_home):
    with serving(["--db", str(known)], config_home) as (port, _):
        for path in TRAVERSALS:
            code, body = http_get(port, path, follow=True)
            assert code in (400, 403, 404), (path, code)
            assert b"root:" not in body and b"[build-system]" not in body, path
            assert b"import " not in body, path
