"""`serve` against a hostile web page and hostile SQL (issue 15, item 6)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from conftest import run_cli
from datasette.app import Datasette
from test_datasette_helpers import build
from test_serve_auth import SECRET, config_home, http_get, instance, serving  # noqa: F401

from datasette_plugins import auth

FOREIGN_HOSTS = [
    "evil.example",
    "evil.example:8001",
    "localhost.evil.example",
    "127.0.0.1.nip.io",
    "attacker.test:80",
    "[::2]",
    "",
]


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    return build(tmp_path_factory.mktemp("hardening") / "index.db")


def test_a_rebinding_host_is_refused_and_loopback_names_answer(known, config_home):  # noqa: F811
    with serving(["--db", str(known)], config_home) as (port, _):
        for host in FOREIGN_HOSTS:
            code, _ = http_get(port, "/index/node_executions.json", {"Host": host})
            assert code == 421, host
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LOCALHOST"):
            assert http_get(port, "/index/node_executions.json", {"Host": host})[0] == 200, host


def test_with_auth_on_loopback_a_rebinding_host_is_refused_too(known, config_home):  # noqa: F811
    with serving(["--db", str(known), "--auth"], config_home) as (port, _):
        assert http_get(port, "/-/agent-runs.json", {"Host": "evil.example"})[0] == 421
        assert http_get(port, "/-/agent-runs.json", {"Host": f"localhost:{port}"})[0] == 403


HEAVY_SQL = [
    "select printf('%.*c', 999999999, 'x')",
    "select printf('%999999999d', 1)",
    "select format('%.*c', 2000000000, 'y')",
    "select printf('%*s', -999999999, 'z')",
    "select length(zeroblob(999999999))",
    "select length(randomblob(500000000))",
    "select hex(zeroblob(100000000))",
    "select length(replace(hex(zeroblob(40000000)), '0', 'xyz'))",
    "with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r",
]


def test_one_sql_call_cannot_hold_the_server(known, config_home):  # noqa: F811
    with serving(["--db", str(known)], config_home) as (port, _):
        for sql in HEAVY_SQL:
            code, body = http_get(port, f"/index.json?sql={quote(sql)}")
            assert code == 400, (sql, code, body[:200])
        code, body = http_get(
            port, "/index.json?sql=" + quote("select printf('%.2f|%5d', 3.14159, 42) as v")
        )
        assert code == 200 and b"3.14|   42" in body
        assert http_get(port, "/-/agent-runs.json")[0] == 200  # and the server still answers


def test_without_permission_hooks_protected_data_is_not_served(known):
    """A Datasette that stops calling permission_allowed (1.0 alphas) must not serve data."""
    ds = instance(known, required=True)

    async def not_asking_plugins(actor, action, resource=None, default=False):
        return default  # what Datasette answers when no plugin hook is consulted

    ds.permission_allowed = not_asking_plugins
    for path in ("/index/node_executions.json", "/-/agent-runs.json", "/index.json?sql=select+1"):
        response = asyncio.run(ds.client.get(path))
        assert response.status_code == 503, path
        assert "permission hooks" in response.text
    assert asyncio.run(ds.client.get("/-/static/app.css")).status_code == 200
    honest = instance(known, required=True)
    assert asyncio.run(honest.client.get("/index/node_executions.json")).status_code == 403


def test_tokens_expire(known):
    ds = instance(known, required=True)
    expired = auth.make_token(ds, "ci", seconds=-1)
    fresh = auth.make_token(ds, "ci", seconds=60)
    unexpiring = ds.sign({"a": {"id": "ci"}}, auth.NAMESPACE)  # an old-style token

    def get(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return asyncio.run(ds.client.get("/-/agent-runs.json", headers=headers)).status_code

    assert (get(expired), get(fresh), get(unexpiring)) == (403, 200, 403)


def test_revoke_all_ends_every_token_and_sign_in_issued_before(known, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    ds = instance(known, required=True)
    token = auth.make_token(ds, "ci")
    login = asyncio.run(ds.client.get(f"/-/agent-runs/login?code={auth.make_login_code(ds, 'b')}"))
    cookie = {"ds_actor": login.cookies["ds_actor"]}
    headers = {"Authorization": f"Bearer {token}"}
    page = "/index/node_executions.json"
    assert asyncio.run(ds.client.get(page, headers=headers)).status_code == 200
    assert asyncio.run(ds.client.get(page, cookies=cookie)).status_code == 200
    # tokens carry whole seconds: one issued in the revocation's own second goes too
    result = run_cli("token", "--revoke-all", env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert result.returncode == 0 and "revoked" in result.stdout
    assert asyncio.run(ds.client.get(page, headers=headers)).status_code == 403
    assert asyncio.run(ds.client.get(page, cookies=cookie)).status_code == 403
    after = {"Authorization": f"Bearer {auth.make_token(ds, 'ci')}"}
    assert asyncio.run(ds.client.get(page, headers=after)).status_code == 200


def test_token_expiry_option_and_bad_input(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "DATASETTE_SECRET": SECRET}
    made = run_cli("token", "--expires", "2h", env=env)
    assert made.returncode == 0
    decoded = Datasette(secret=SECRET).unsign(made.stdout.strip(), auth.NAMESPACE)
    assert 7100 <= decoded["e"] - decoded["i"] <= 7200
    bad = run_cli("token", "--expires", "forever", env=env)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    too_long = run_cli("token", "--expires", "100000d", env=env)
    assert too_long.returncode == 2 and "at most 365 days" in too_long.stderr
