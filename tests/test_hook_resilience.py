"""The hook never hurts the session and never loses an event."""

from __future__ import annotations

import errno
import json
import os
import resource
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HOOK, event, post, pre, query, run_cli, run_hook, settle, unprivileged

from recorder.hook import database, paths, replay, spool
from recorder.hook.handle import REPLAY_BATCH

SPOOL = "agent-runs-spool.ndjson"
DEAD = "agent-runs-dead-letters.ndjson"


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def tool_use_ids(db: Path) -> list[str]:
    return [
        r["tool_use_id"]
        for r in query(db, "SELECT tool_use_id FROM node_executions ORDER BY tool_use_id")
    ]


@pytest.mark.parametrize("stdin", [b"{not json", b"[1, 2, 3]", b"\x00\x01\x02", b"null"])
def test_junk_is_kept_as_a_dead_letter(db, hook, stdin):
    result = hook(stdin)
    assert b"dead letter" in result.stderr
    (letter,) = lines(db.parent / DEAD)
    assert "raw" in letter and letter["error"]
    assert "dead letter" in (db.parent / "agent-runs.log").read_text()


def test_event_without_session_is_a_dead_letter_and_replays_after_a_fix(db, hook):
    payload = post("toolu_dl")
    del payload["session_id"]
    hook(payload)
    (letter,) = lines(db.parent / DEAD)
    assert letter["payload"]["tool_use_id"] == "toolu_dl"
    # The user (or a newer agent-runs) fixes the kept event, then replays it.
    letter["payload"]["session_id"] = "sess-fixed"
    (db.parent / DEAD).write_text(json.dumps(letter) + "\n")
    result = run_cli("replay", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "1 recorded" in result.stdout
    assert tool_use_ids(db) == ["toolu_dl"]
    assert not (db.parent / DEAD).exists()


def test_invalid_utf8_is_recorded_with_replacement_characters(db, hook):
    raw = json.dumps(post("toolu_utf", text="caf\u00e9 PLACEHOLDER")).encode()
    hook(raw.replace(b"PLACEHOLDER", b"\xff\xfe broken"))
    (row,) = query(db, "SELECT result_text FROM node_executions")
    assert row["result_text"].startswith("caf\u00e9 \ufffd\ufffd broken")


def test_fifty_megabyte_payload_is_recorded(db, hook):
    text = "x" * (50 * 1024 * 1024)
    hook(post("toolu_big", text=text))
    (row,) = query(db, "SELECT length(result_text) AS n FROM node_executions")
    assert row["n"] == len(text)


def test_locked_database_spools_and_next_run_ingests(db, hook, monkeypatch):
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # the next hook run, not a worker, replays
    hook(pre("toolu_before"))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        result = run_hook(db, post("toolu_locked"), env={"AGENT_RUNS_HOOK_TIMEOUT": "0.3"})
        assert result.returncode == 0 and result.stdout == b""
        assert time.monotonic() - started < 10
        assert [p["tool_use_id"] for p in lines(db.parent / SPOOL)] == ["toolu_locked"]
        assert b"spooled" in result.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    hook(post("toolu_after"))
    assert tool_use_ids(db) == ["toolu_after", "toolu_before", "toolu_locked"]
    assert not list(db.parent.glob(SPOOL + "*"))


def test_a_database_of_a_newer_agent_runs_is_never_written(db, hook):
    """Older code would write rows the newer schema does not expect: the event waits."""
    hook(pre("toolu_before"))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = hook(post("toolu_newer"))
    assert result.returncode == 0 and result.stdout == b"" and b"spooled" in result.stderr
    assert [p["tool_use_id"] for p in lines(db.parent / SPOOL)] == ["toolu_newer"]
    refused = run_cli("prune", "--db", str(db), "--older-than", "1d")
    assert refused.returncode == 1 and "written by a newer agent-runs" in refused.stderr
    assert query(db, "SELECT tool_use_id FROM node_executions") == [{"tool_use_id": "toolu_before"}]
    doctor = run_cli("doctor", "--db", str(db))
    assert doctor.returncode == 1 and "written by a newer agent-runs: upgrade" in doctor.stdout


def test_corrupt_database_spools_and_doctor_names_it(db, hook):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    result = hook(post("toolu_corrupt"))
    assert b"spooled" in result.stderr
    assert [p["tool_use_id"] for p in lines(db.parent / SPOOL)] == ["toolu_corrupt"]
    assert database_problem(db, env={"HOME": str(db.parent)}).endswith(
        "is not a SQLite database (file is not a database)"
    )
    doctor = run_cli("doctor", "--db", str(db), env={"HOME": str(db.parent)})
    said = [line.split(":")[0] for line in doctor.stdout.splitlines()]
    assert "FAIL  database" in said  # said once: no derivation, kept-twice or prices line
    assert not {"ok    derivation", "FAIL  derivation", "FAIL  kept twice", "FAIL  prices"} & set(
        said
    )


def test_a_line_cut_off_in_the_spool_does_not_swallow_the_next(db, hook):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    (db.parent / SPOOL).write_bytes(json.dumps(post("toolu_cut")).encode()[:80])  # killed
    hook(post("toolu_whole"))
    db.unlink()  # the fault is gone
    replay = run_cli("replay", "--db", str(db))
    assert "1 recorded" in replay.stdout and "1 still failing" in replay.stdout
    assert tool_use_ids(db) == ["toolu_whole"]
    (letter,) = lines(db.parent / DEAD)
    assert letter["raw"].startswith('{"session_id"')  # the cut-off line, kept as it was


def test_damaged_pages_spool_doctor_names_them_and_replay_follows_the_repair(db, hook):
    for n in range(3):
        hook(post(f"toolu_ok{n}"))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = db.stat().st_size
    with open(db, "r+b") as f:  # every page after the first: the schema's tables and indexes
        f.seek(4096)
        f.write(b"\xde\xad" * ((size - 4096) // 2))
    result = hook(post("toolu_damaged"))
    assert b"spooled" in result.stderr and b"malformed" in result.stderr
    assert [p["tool_use_id"] for p in lines(db.parent / SPOOL)] == ["toolu_damaged"]
    problem = database_problem(db, env={"HOME": str(db.parent)})
    assert problem == f"database: {db} is corrupt (database disk image is malformed)"
    db.rename(db.with_suffix(".corrupt"))  # the user sets the damaged file aside
    assert "1 recorded" in run_cli("replay", "--db", str(db)).stdout
    assert tool_use_ids(db) == ["toolu_damaged"]


def database_problem(db: Path, env: dict, unprivileged_run: bool = False) -> str:
    """The one line `agent-runs doctor` fails the database with (asserted to be exactly one)."""
    command = [sys.executable, "-m", "recorder.cli", "doctor", "--db", str(db)]
    doctor = subprocess.run(
        unprivileged(command) if unprivileged_run else command,
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=60,
    )
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr
    (line,) = [line for line in doctor.stdout.splitlines() if line.startswith("FAIL  database")]
    return line.removeprefix("FAIL  ")


def test_exception_in_our_code_keeps_the_event(db, hook, tmp_path):
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "import recorder.hook.keep\n"
        "def broken(conn, payloads, source):\n"
        "    raise RuntimeError('injected fault')\n"
        "recorder.hook.keep.append = broken\n"
    )
    result = hook(post("toolu_bug"), env={"PYTHONPATH": str(inject)})
    assert b"injected fault" in result.stderr
    (letter,) = lines(db.parent / DEAD)
    assert letter["payload"]["tool_use_id"] == "toolu_bug" and "injected" in letter["error"]
    assert tool_use_ids(db) == []
    assert "1 recorded" in run_cli("replay", "--db", str(db)).stdout  # after the "fix"
    assert tool_use_ids(db) == ["toolu_bug"]


def test_a_recorder_that_cannot_be_imported_keeps_the_event(db, hook, tmp_path):
    inject = tmp_path / "inject"
    inject.mkdir()
    # as if an upgrade left recorder.hook.events broken: importing it fails
    (inject / "sitecustomize.py").write_text(
        "import sys\nsys.modules['recorder.hook.events'] = None\n"
    )
    result = hook(post("toolu_unimportable"), env={"PYTHONPATH": str(inject)})
    assert result.returncode == 0 and result.stdout == b""
    assert b"hook failed before recording: ModuleNotFoundError" in result.stderr
    (letter,) = lines(db.parent / DEAD)
    assert json.loads(letter["raw"])["tool_use_id"] == "toolu_unimportable"
    assert "1 recorded" in run_cli("replay", "--db", str(db)).stdout  # after the fix
    assert tool_use_ids(db) == ["toolu_unimportable"]


def test_read_only_directory_spools_to_the_fallback(open_tmp):
    memory = open_tmp / "memory"
    memory.mkdir()
    db = memory / "index.db"
    state = open_tmp / "state"
    state.mkdir()
    state.chmod(0o777)
    subprocess.run([HOOK, "--db", str(db)], input=json.dumps(pre("toolu_ro")).encode(), check=True)
    db.chmod(0o444)
    memory.chmod(0o555)
    env = dict(os.environ, XDG_STATE_HOME=str(state), HOME=str(state))
    result = subprocess.run(
        unprivileged([HOOK, "--db", str(db)]),
        input=json.dumps(post("toolu_ro")).encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == b""
    (spooled,) = list(state.rglob(SPOOL))
    assert [p["tool_use_id"] for p in lines(spooled)] == ["toolu_ro"]
    problem = database_problem(db, env, unprivileged_run=True)
    assert problem == f"database: {db} is read-only ({db} is not writable)"
    memory.chmod(0o777)  # the same (unprivileged) user replays: the fallback is its own
    for file in memory.glob("index.db*"):
        file.chmod(0o666)
    replay = subprocess.run(
        unprivileged([sys.executable, "-m", "recorder.cli", "replay", "--db", str(db)]),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "1 recorded" in replay.stdout, replay.stderr
    assert query(db, "SELECT status FROM node_executions")[0]["status"] == "completed"


def test_a_read_only_spell_of_the_database_does_not_outlive_it(open_tmp):
    """SQLite gives the -shm index file the database's mode, so one made while the database
    was read-only stayed read-only after it was writable again, and every write failed.
    doctor names it, and the next hook run makes it writable, records, and replays the
    event spooled meanwhile; ``doctor --fix`` does it too."""
    memory = open_tmp / "memory"
    memory.mkdir()
    memory.chmod(0o777)
    db = memory / "index.db"
    env = dict(os.environ, HOME=str(memory), XDG_STATE_HOME=str(memory), AGENT_RUNS_DERIVE="off")

    def as_user(*command: str, stdin: dict | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            unprivileged(list(command)),
            input=json.dumps(stdin).encode() if stdin else b"",
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert b"Traceback" not in done.stderr, done.stderr
        return done

    def doctor(*options: str) -> str:
        done = as_user(sys.executable, "-m", "recorder.cli", "doctor", "--db", str(db), *options)
        return done.stdout.decode()

    assert as_user(HOOK, "--db", str(db), stdin=pre("toolu_before")).returncode == 0
    as_user(sys.executable, "-m", "recorder.cli", "sync", "--db", str(db))  # closes: no -shm
    assert not Path(f"{db}-shm").exists()
    db.chmod(0o400)  # a backup tool, a chmod by mistake...
    assert as_user(HOOK, "--db", str(db), stdin=post("toolu_before")).returncode == 0
    assert [p["tool_use_id"] for p in lines(memory / SPOOL)] == ["toolu_before"]
    shm = Path(f"{db}-shm")
    assert stat.S_IMODE(shm.stat().st_mode) == 0o400
    db.chmod(0o600)  # ...undone
    stuck = f"FAIL  permissions: {shm} read-only though the database is writable"
    assert stuck in doctor()

    assert as_user(HOOK, "--db", str(db), stdin=post("toolu_after")).returncode == 0
    assert stat.S_IMODE(shm.stat().st_mode) == 0o600
    assert not (memory / SPOOL).exists() or not lines(memory / SPOOL)
    assert tool_use_ids(db) == ["toolu_after", "toolu_before"]
    assert stuck not in doctor()

    shm.chmod(0o400)
    assert f"fixed {shm}: writable by its owner again" in doctor("--fix")
    assert stat.S_IMODE(shm.stat().st_mode) == 0o600


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and links")
def test_only_our_own_index_files_are_made_writable(tmp_path):
    """A -wal that is a link (to a read-only file of ours) or a -shm of another user is
    never changed, whoever planted it beside the database."""
    from recorder.hook import database

    db = tmp_path / "index.db"
    db.write_bytes(b"")
    target = tmp_path / "elsewhere"
    target.write_bytes(b"")
    target.chmod(0o400)
    Path(f"{db}-wal").symlink_to(target)
    shm = Path(f"{db}-shm")
    shm.write_bytes(b"")
    shm.chmod(0o400)
    if os.getuid() == 0:
        os.chown(shm, 65534, 65534)  # another user's
        assert database.unstick_companions(str(db)) == []
    else:
        assert database.unstick_companions(str(db)) == [str(shm)]  # ours: made writable
    assert stat.S_IMODE(target.stat().st_mode) == 0o400  # the link's target untouched


def test_spooled_events_are_ingested_once_across_many_runs(db, hook):
    db.parent.mkdir(parents=True)
    spooled = [post(f"toolu_s{i}") for i in range(5)]
    (db.parent / SPOOL).write_text("".join(json.dumps(p) + "\n" for p in spooled))
    hook(event("SessionStart", source="startup"))
    hook(event("SessionStart", source="startup"))
    assert tool_use_ids(db) == [f"toolu_s{i}" for i in range(5)]
    assert query(db, "SELECT count(*) AS n FROM workflow_runs")[0]["n"] == 5


def large_spool(db: Path, count: int) -> list[bytes]:
    """A spool a long outage left: ``count`` events, then a line no re-encoding keeps."""
    db.parent.mkdir(parents=True, exist_ok=True)
    found = [json.dumps(post(f"toolu_s{i:04}")).encode() + b"\n" for i in range(count)]
    found.append(b'{"not utf-8": "\xff\xfe"}\n')
    (db.parent / SPOOL).write_bytes(b"".join(found))
    return found


def test_a_hook_keeps_a_batch_of_a_large_spool_and_puts_the_rest_back_as_it_was(
    db, hook, monkeypatch
):
    """Before its own event the hook keeps REPLAY_BATCH spooled ones; the rest goes back
    byte for byte, in its place before the queue, for the derivation worker (off Claude
    Code's wait), and the hook's own event waits behind it."""
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no worker: what the hook left stays
    hook(pre("toolu_first"))
    spooled = large_spool(db, REPLAY_BATCH + 300)
    result = hook(post("toolu_own"))
    assert result.returncode == 0 and result.stdout == b""
    rest, queue = paths.pending(str(db), SPOOL)
    assert Path(rest).read_bytes() == b"".join(spooled[REPLAY_BATCH:])
    assert [json.loads(line)["tool_use_id"] for line in Path(queue).read_text().splitlines()] == [
        "toolu_own"
    ]
    assert query(db, "SELECT count(*) AS n FROM kept_events")[0]["n"] == 1 + REPLAY_BATCH


def test_a_replay_that_stops_after_its_batch_parses_no_more(db, hook, monkeypatch):
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no lingering worker keeps the spool
    hook(pre("toolu_first"))
    spooled = large_spool(db, 1000)
    parsed = []
    loads = spool.json.loads
    monkeypatch.setattr(spool.json, "loads", lambda text: parsed.append(1) or loads(text))
    conn = database.connect(str(db))
    try:
        report = replay.replay(conn, str(db), limit=100, dead_letters=False)
    finally:
        conn.close()
    assert (report.recorded, report.left_for_later) == (100, 901)
    assert len(parsed) == 101  # the batch and the line that ended it
    [rest] = paths.pending(str(db), SPOOL)
    assert Path(rest).read_bytes() == b"".join(spooled[100:])


def test_missing_directory_that_cannot_be_created_spools_to_the_fallback(open_tmp):
    parent = open_tmp / "projects"
    parent.mkdir(mode=0o555)
    db = parent / "memory" / "index.db"
    state = open_tmp / "state"
    state.mkdir()
    state.chmod(0o777)
    env = {"XDG_STATE_HOME": str(state), "HOME": str(state), "TMPDIR": str(state)}
    result = subprocess.run(
        unprivileged([HOOK, "--db", str(db)]),
        input=json.dumps(post("toolu_nodir")).encode(),
        capture_output=True,
        env=dict(os.environ, **env),
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == b"" and b"spooled" in result.stderr
    (spooled,) = list(state.rglob(SPOOL))
    assert [p["tool_use_id"] for p in lines(spooled)] == ["toolu_nodir"]
    problem = database_problem(db, env, unprivileged_run=True)
    assert problem == (
        f"database: directory {db.parent} is missing and cannot be created "
        f"({parent} is not writable)"
    )
    parent.chmod(0o777)  # the fault is gone; the same user replays from its own fallback
    replay = subprocess.run(
        unprivileged([sys.executable, "-m", "recorder.cli", "replay", "--db", str(db)]),
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=60,
    )
    assert "1 recorded" in replay.stdout, replay.stderr
    assert tool_use_ids(db) == ["toolu_nodir"] and not list(state.rglob(SPOOL))


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 3 MB tmpfs mounted in tmp_path (needs root and the right to mount)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=3m,mode=0755", "tmpfs", str(mount)]
    try:
        mounted = subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except OSError:
        mounted = False
    if not mounted:
        pytest.skip("cannot mount a tmpfs here; the file-size-limit variant covers a full disk")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True, timeout=30)


def fill(directory: Path) -> None:
    """Write a file until the filesystem has no space left."""
    with open(directory / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_full_disk_spools_and_doctor_names_it(tiny_filesystem, tmp_path):
    db = tiny_filesystem / "index.db"
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path)}
    assert run_hook(db, pre("toolu_full")).returncode == 0
    settle(db)  # its derivation worker has finished writing
    fill(tiny_filesystem)
    result = run_hook(db, post("toolu_full", text="y" * 200_000), env=env)
    assert result.returncode == 0 and result.stdout == b""
    assert b"the disk is full" in result.stderr
    (spooled,) = list((tmp_path / "state").rglob(SPOOL))
    assert [p["tool_use_id"] for p in lines(spooled)] == ["toolu_full"]
    assert database_problem(db, env).startswith(f"database: {db} cannot grow: disk full")
    (tiny_filesystem / "filler").unlink()  # the fault is gone
    assert "1 recorded" in run_cli("replay", "--db", str(db), env=env).stdout
    (row,) = query(db, "SELECT status, length(result_text) AS n FROM node_executions")
    assert row == {"status": "completed", "n": 200_000}


def test_file_size_limit_spools_the_event(db, tmp_path, monkeypatch):
    """A full disk as the hook sees it, without mounting: writes past a size limit fail."""
    monkeypatch.setenv("AGENT_RUNS_DERIVE", "off")  # no worker takes the spool before replay
    assert run_hook(db, pre("toolu_limit")).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next write starts a fresh WAL
    conn.close()
    limit = 16_384  # room for a spool line, not for a transaction's pages

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    result = subprocess.run(
        [HOOK, "--db", str(db)],
        input=json.dumps(post("toolu_limit", text="z" * 10_000)).encode(),
        capture_output=True,
        env=env,
        timeout=60,
        preexec_fn=limited,
    )
    assert result.returncode == 0 and result.stdout == b"" and b"spooled" in result.stderr
    spooled = [p for path in paths_of_spool(db, tmp_path) for p in lines(path)]
    assert [p["tool_use_id"] for p in spooled] == ["toolu_limit"]
    replay = run_cli("replay", "--db", str(db), env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert "1 recorded" in replay.stdout
    assert query(db, "SELECT status FROM node_executions") == [{"status": "completed"}]


def paths_of_spool(db: Path, tmp_path: Path) -> list[Path]:
    return [*db.parent.glob(SPOOL), *(tmp_path / "state").rglob(SPOOL)]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--help"], b"usage: agent-runs-hook"),
        (["--version"], b"agent-runs-hook 0."),
        ([], b"agent-runs-hook: no event on stdin, nothing kept"),  # tried by hand
    ],
)
def test_a_person_trying_the_hook_gets_an_answer_and_nothing_is_kept(tmp_path, args, said):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [HOOK, *args],
        input=b" \n",
        capture_output=True,
        timeout=60,
        env=dict(os.environ, HOME=str(home), AGENT_RUNS_DB=str(home / "index.db")),
    )
    assert done.returncode == 0 and done.stdout == b""
    assert done.stderr.startswith(said)
    assert list(home.rglob("*")) == []  # no dead letter, no log, no folder
