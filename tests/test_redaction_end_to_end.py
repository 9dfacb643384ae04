"""No secret reaches the disk: every event kind, every stored field, every file we write.

Secrets are put into every text and JSON field of every hook event kind, sent
through the real hook process (direct writes, the spool of a locked database,
dead letters, ``agent-runs replay``), together with a user pattern from the
pattern file. Then the raw bytes of everything in the directory — database,
-wal, -shm (FTS index included), spool, dead letters, log, fallback dirs — are
searched for each secret and every 12-character piece of it, case-insensitively
(FTS5 keeps lowercased tokens).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import event, query, run_cli, run_hook
from test_redact import (
    ANTHROPIC,
    ANTHROPIC_ADMIN,
    AWS_KEY_ID,
    AWS_SECRET,
    GITHUB_CLASSIC,
    GITHUB_FINE,
    GOOGLE_KEY,
    JWT,
    KEY_BODY,
    OPENAI_LEGACY,
    OPENAI_PROJECT,
    PEM_EC,
    PEM_OPENSSH,
    PEM_RSA,
    SLACK_BOT,
    SLACK_WEBHOOK_PATH,
    STRIPE_LIVE,
)

from recorder.hook import paths

OPENAI_ENV = "sk-proj-" + "Qm4Rt8Yu2Io6Pa0Sd4Fg8Hj2Kl6Zx0Cv4Bn8Mq2We6Rt0Yu4"
URL_PASSWORD_PARAM = "Tr0ub4dor" + "-x9QvZ"
URL_TOKEN_PARAM = "9f8e7d6c5b4a" + "3f2e1d0c"
URL_USER_PASSWORD = "S3cr3t-Pg" + "-Pass-42"
DB_PASSWORD = "correct-horse" + "-battery-77"
BEARER = "opaque" + "Tok3nQx81Mzv0Lp4Rw"
CUSTOM = "acme_internal_" + "q7w1e9r3t5y2u8i4"
CUSTOM_GROUP = "Badge " + "40451729"
PEM_EC_BODY = PEM_EC.split("-----\n", 1)[1].split("\n-----END")[0]
PEM_OPENSSH_BODY = PEM_OPENSSH.split("-----\n", 1)[1].split("\n-----END")[0]

# (the secret's random part: it and every 12-character piece of it must not be stored,
#  the text it appears in)
SECRETS = [
    (ANTHROPIC[7:], f"export ANTHROPIC_API_KEY={ANTHROPIC}"),
    (ANTHROPIC_ADMIN[7:], f'ANTHROPIC_ADMIN_KEY="{ANTHROPIC_ADMIN}"'),
    (OPENAI_PROJECT[8:], f'client = OpenAI(api_key="{OPENAI_PROJECT}")'),
    (OPENAI_LEGACY[3:], f"the key {OPENAI_LEGACY} was rotated"),
    (OPENAI_ENV[8:], f"export OPENAI_API_KEY={OPENAI_ENV}"),
    (AWS_KEY_ID[4:], f"aws_access_key_id = {AWS_KEY_ID}"),
    (AWS_SECRET, f"aws_secret_access_key = {AWS_SECRET}"),
    (GITHUB_CLASSIC[4:], f"git clone https://x-access-token:{GITHUB_CLASSIC}@github.com/a/b"),
    (GITHUB_FINE[11:], f"GH_TOKEN {GITHUB_FINE} expires soon"),
    (SLACK_BOT[5:], f"slack bot {SLACK_BOT}"),
    (SLACK_WEBHOOK_PATH[10:], f"curl https://hooks.slack.com/services/{SLACK_WEBHOOK_PATH}"),
    (GOOGLE_KEY[4:], f"maps?key={GOOGLE_KEY}"),
    (JWT[3:], f"session cookie {JWT}"),
    (KEY_BODY, PEM_RSA),
    (PEM_EC_BODY, PEM_EC),
    (PEM_OPENSSH_BODY, PEM_OPENSSH),
    (
        URL_PASSWORD_PARAM,
        f"https://api.example.com/v1/login?user=bob&password={URL_PASSWORD_PARAM}",
    ),
    (URL_TOKEN_PARAM, f"POST https://ci.example.com/hook?token={URL_TOKEN_PARAM}"),
    (URL_USER_PASSWORD, f"postgres://admin:{URL_USER_PASSWORD}@db.internal:5432/app"),
    (DB_PASSWORD, f"DB_PASSWORD={DB_PASSWORD}"),
    (BEARER, f"Authorization: Bearer {BEARER}"),
    (STRIPE_LIVE[8:], f"stripe key {STRIPE_LIVE}"),
    (CUSTOM[14:], f"internal id {CUSTOM} (user pattern)"),
    (CUSTOM_GROUP[6:], f"{CUSTOM_GROUP} opened the door (user pattern with a secret group)"),
]
ALL = "\n".join(text for _, text in SECRETS)
USER_PATTERNS = "# agent-runs test patterns\nacme_internal_[a-z0-9]{16}\nBadge (?P<secret>\\d{8})\n"
WINDOW = 12


def pieces(secret: str) -> set[str]:
    """The secret and every WINDOW-long piece of it, lowercased."""
    low = secret.lower()
    return {low} | {low[i : i + WINDOW] for i in range(max(1, len(low) - WINDOW + 1))}


def leaks(directory: Path) -> list[str]:
    """Which secrets (or pieces of them) appear in the bytes of any file under ``directory``."""
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        for secret, _ in SECRETS:
            hit = next((p for p in pieces(secret) if p.encode() in data), None)
            if hit is not None:
                found.append(f"{path.name}: {hit!r} of {secret[:16]!r}…")
    return found


def tool_input(tag: str, **extra) -> dict:
    return {
        "description": ALL,
        "prompt": ALL,
        "subagent_type": f"Explore {tag}\n{ALL}",
        "model": ALL,
        **extra,
    }


def response(agent_id: str) -> dict:
    return {
        "status": "completed",
        "agentId": agent_id,
        "content": [{"type": "text", "text": ALL}, {"type": "text", "text": ALL}],
        "totalDurationMs": 1200,
        "totalTokens": 900,
        "resolvedModel": ALL,
        "outputFile": ALL,
        "env": {"GITHUB_TOKEN": GITHUB_CLASSIC, "DB_PASSWORD": DB_PASSWORD, "note": ALL},
        "nested": [{"deeper": [ALL]}],
        # secrets used as keys are secrets too
        "owners": {GITHUB_CLASSIC: "ci", ANTHROPIC: "dev", f"DB_PASSWORD={DB_PASSWORD}": "db"},
    }


def every_event_kind(session: str, tag: str) -> list[dict]:
    """One session using every hook event kind, secrets in every text field."""
    common = {
        "cwd": f"/home/u/proj\n{ALL}",
        "transcript_path": f"/home/u/t.jsonl\n{ALL}",
        "permission_mode": ALL,
    }

    def ev(name: str, **fields) -> dict:  # unknown fields still reach spool and dead letters
        return event(name, session, **common, **fields, extra={JWT: [ALL], STRIPE_LIVE: 1})

    tool = {"tool_name": "Task"}
    bg = f"agent-bg-{tag}"
    return [
        ev("SessionStart", source=ALL, model=ALL),
        ev("UserPromptSubmit", prompt=ALL),
        ev("PreToolUse", **tool, tool_use_id=f"toolu_fg_{tag}", tool_input=tool_input(tag)),
        ev(
            "PostToolUse",
            **tool,
            tool_use_id=f"toolu_fg_{tag}",
            tool_input=tool_input(tag),
            tool_response=response(f"agent-fg-{tag}"),
        ),
        ev(
            "PostToolUse",
            **tool,
            tool_use_id=f"toolu_str_{tag}",
            tool_input=tool_input(tag),
            tool_response=ALL,
        ),
        ev(
            "PostToolUseFailure",
            **tool,
            tool_use_id=f"toolu_err_{tag}",
            tool_input=tool_input(tag),
            error=ALL,
        ),
        ev(
            "PreToolUse",
            **tool,
            tool_use_id=f"toolu_bg_{tag}",
            tool_input=tool_input(tag, run_in_background=True),
        ),
        ev(
            "PostToolUse",
            **tool,
            tool_use_id=f"toolu_bg_{tag}",
            tool_input=tool_input(tag, run_in_background=True),
            tool_response={"isAsync": True, "status": "async_launched", "agentId": bg},
        ),
        ev("SubagentStart", agent_id=bg, agent_type=ALL),
        ev(
            "SubagentStop",
            agent_id=bg,
            agent_type=ALL,
            agent_transcript_path=f"/x/subagents/{bg}.jsonl\n{ALL}",
            last_assistant_message=ALL,
        ),
        ev("Stop"),
        ev("SessionEnd", reason=ALL),
    ]


@pytest.fixture
def env(tmp_path: Path) -> dict:
    patterns = tmp_path / "config" / "redact-patterns.txt"
    patterns.parent.mkdir()
    patterns.write_text(USER_PATTERNS)
    return {
        "AGENT_RUNS_REDACT_FILE": str(patterns),
        "XDG_STATE_HOME": str(tmp_path / "home" / "state"),
        "TMPDIR": str(tmp_path / "home" / "tmp"),
        "AGENT_RUNS_HOOK_TIMEOUT": "0.3",
        "AGENT_RUNS_DERIVE": "off",  # no worker keeps the spool before `agent-runs replay` does
    }


def send(db: Path, payload, env: dict) -> None:
    result = run_hook(db, payload, env)
    assert result.returncode == 0 and result.stdout == b"", result.stderr


def test_no_secret_is_written_anywhere_by_any_path(tmp_path, db, env):
    assert len(SECRETS) >= 20
    home = tmp_path / "home"
    # 1. straight into the database
    for payload in every_event_kind("sess-direct", "direct"):
        send(db, payload, env)
    assert Path(f"{db}-wal").stat().st_size > 0  # the hooks left their writes in the WAL
    assert leaks(db.parent) == []
    # 2. into the spool while another process holds the database locked
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for payload in every_event_kind("sess-spooled", "spooled"):
            send(db, payload, env)
        spooled = sorted(db.parent.glob("agent-runs-spool.ndjson*"))
        assert sum(len(p.read_text().splitlines()) for p in spooled) == 12
        assert leaks(db.parent) == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # 3. dead letters: no session, not JSON, not an object
    broken = every_event_kind("sess-dead", "dead")[3]
    del broken["session_id"]
    send(db, broken, env)
    send(db, json.dumps(every_event_kind("sess-junk", "junk")[1])[:-3], env)
    send(db, json.dumps([ALL]), env)
    assert leaks(db.parent) == [] and leaks(home) == []
    # 4. `agent-runs replay` ingests the spool and retries the dead letters
    replayed = run_cli("replay", "--db", str(db), env=env)
    assert replayed.returncode == 0, replayed.stderr
    assert "12 recorded" in replayed.stdout and "3 still failing" in replayed.stdout

    nodes = query(db, "SELECT * FROM node_executions ORDER BY tool_use_id")
    assert len(nodes) == 8 and {n["status"] for n in nodes} == {"completed", "failed"}
    assert all("[REDACTED:" in n["prompt"] and "[REDACTED:" in n["node_name"] for n in nodes)
    assert all("[REDACTED:custom]" in (n["result_text"] or n["error_message"]) for n in nodes)
    assert query(db, "SELECT count(*) AS n FROM sessions")[0]["n"] == 2
    dead = "".join(Path(p).read_text() for p in paths.pending(str(db), paths.DEAD_LETTERS))
    assert dead.count("\n") == 3 and "[REDACTED:" in dead

    assert leaks(db.parent) == [] and leaks(home) == []
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert leaks(db.parent) == []
    # the full-text index holds the markers, not the secrets
    matched = "SELECT count(*) AS n FROM node_executions_fts WHERE node_executions_fts MATCH ?"
    assert query(db, matched, ("redacted",))[0]["n"] == 8


def test_every_secret_is_in_the_test_input(tmp_path):
    """The leak check can fail: the raw events hold every secret and every piece."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "events.json").write_text(json.dumps(every_event_kind("s", "t")))
    assert len(leaks(raw)) == len(SECRETS)


def test_a_broken_pattern_file_loses_nothing_and_is_reported(tmp_path, db, env):
    Path(env["AGENT_RUNS_REDACT_FILE"]).write_text("acme_internal_[a-z0-9]{16}\nbroken(\n")
    for payload in every_event_kind("sess-broken", "broken")[:4]:
        send(db, payload, env)
    (node,) = query(db, "SELECT result_text FROM node_executions")
    assert "[REDACTED:anthropic-key]" in node["result_text"]  # built-in patterns still apply
    assert CUSTOM not in node["result_text"] and "[REDACTED:custom]" in node["result_text"]
    log = (db.parent / "agent-runs.log").read_text()
    assert "line 2: invalid pattern `broken(`" in log
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    for command in (["replay"], ["backfill", str(transcripts)]):
        refused = run_cli(*command, "--db", str(db), env=env)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, command
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "line 2: invalid pattern" in refused.stderr
    doctor = run_cli("doctor", "--db", str(db), env=env)
    (line,) = [x for x in doctor.stdout.splitlines() if "redaction" in x]
    assert line.startswith("FAIL") and "line 2" in line
    assert "built-in patterns and 1 good user pattern(s) still apply" in line


def test_doctor_reports_the_pattern_file(tmp_path, db, env):
    doctor = run_cli("doctor", "--db", str(db), env=env)
    (line,) = [x for x in doctor.stdout.splitlines() if "redaction" in x]
    assert line.startswith("ok") and "2 user pattern(s)" in line
    Path(env["AGENT_RUNS_REDACT_FILE"]).unlink()
    doctor = run_cli("doctor", "--db", str(db), env=env)
    (line,) = [x for x in doctor.stdout.splitlines() if "redaction" in x]
    assert line.startswith("ok") and "absent" in line


def test_the_pattern_file_is_found_in_the_config_directory(tmp_path, db, env):
    config = tmp_path / "xdg"
    (config / "agent-runs").mkdir(parents=True)
    Path(env.pop("AGENT_RUNS_REDACT_FILE")).rename(config / "agent-runs" / "redact-patterns.txt")
    send(db, every_event_kind("sess-xdg", "xdg")[1], dict(env, XDG_CONFIG_HOME=str(config)))
    (session,) = query(db, "SELECT current_prompt FROM sessions")
    assert "[REDACTED:custom]" in session["current_prompt"]
    assert CUSTOM not in session["current_prompt"]


@pytest.mark.parametrize(
    "cwd", ["/home/dev/shop\u0000", "/home/dev/shop\ud800"], ids=["nul", "surrogate"]
)
def test_a_path_no_file_can_have_costs_no_secret(db, env, cwd):
    """A cwd with a NUL or a lone surrogate once failed the event before redaction, and its
    dead letter held every secret in clear. It is kept now (redacted), and no file holds
    a secret, whatever derivation then makes of it."""
    payload = event("PreToolUse", tool_name="Task", tool_use_id="toolu_odd", cwd=cwd)
    payload["tool_input"] = tool_input("odd", subagent_type="Explore")  # looked up in cwd
    send(db, json.dumps(payload), env)
    assert run_cli("sync", "--db", str(db), env=env).returncode == 0
    assert query(db, "SELECT count(*) AS n FROM kept_events")[0]["n"] == 1
    assert leaks(db.parent) == []


def test_a_payload_that_fails_before_redaction_is_a_redacted_dead_letter(db, env, monkeypatch):
    from recorder.hook import agent_definitions, handle
    from recorder.redaction import configured

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(configured, "_loaded", None)  # the user's patterns, read again

    def broken(payload: dict) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(agent_definitions, "note", broken)
    payload = event("PreToolUse", tool_name="Task", tool_use_id="toolu_bug")
    payload["tool_input"] = tool_input("bug")
    db.parent.mkdir(parents=True, exist_ok=True)
    handle.handle(str(db), json.dumps(payload).encode())
    (letter,) = [json.loads(line) for line in (db.parent / "agent-runs-dead-letters.ndjson").open()]
    assert letter["error"] == "RuntimeError: a bug of ours"
    assert letter["payload"]["tool_use_id"] == "toolu_bug"
    assert leaks(db.parent) == []


def test_input_that_is_no_json_has_its_escaped_secrets_redacted(db, env):
    escaped = json.dumps(ALL, ensure_ascii=False).replace("s", "\\u0073").replace("/", "\\/")
    send(db, '{"session_id": "s", "prompt": ' + escaped + ", oops", env)
    (letter,) = [json.loads(line) for line in (db.parent / "agent-runs-dead-letters.ndjson").open()]
    assert letter["raw"].startswith('{"session_id": "s"')
    assert leaks(db.parent) == []
