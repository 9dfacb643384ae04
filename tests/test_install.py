"""Tests for recorder.ops.install: merging our hooks into real settings.json files."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import stat
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from recorder.ops import install
from recorder.ops.install import (
    FILE_MATCHER,
    TASK_MATCHER,
    SettingsError,
    apply,
    hook_command,
    installed_commands,
    installed_events,
    is_our_command,
    merged,
    removed,
    settings_path,
)

HOOK = "/opt/agent runs/bin/agent-runs-hook"
CMD = hook_command(HOOK)
NO_MATCHER_EVENTS = [
    "SessionStart",
    "SessionEnd",
    "UserPromptSubmit",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
]
TASK_EVENTS = ["PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionDenied"]
REGISTERED = len(NO_MATCHER_EVENTS) + len(TASK_EVENTS)  # one hook entry per event
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def realistic() -> dict:
    """A settings.json as a real user might have it."""
    return {
        "$schema": "https://json.schemastore.org/claude-code-settings.json",
        "model": "opus",
        "permissions": {
            "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
            "deny": ["Read(./.env)", "Bash(curl:*)"],
            "defaultMode": "acceptEdits",
        },
        "env": {"CLAUDE_CODE_ENABLE_TELEMETRY": "1", "ÉQUIPE": "données"},
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Bash",
                    "hooks": [
                        {
                            "type": "command",
                            "command": "jq -r '.tool_input.command' >> ~/.claude/bash.log",
                        }
                    ],
                }
            ],
            "PostToolUse": [
                {
                    "matcher": "Task",
                    "hooks": [{"type": "command", "command": "/usr/local/bin/other-tracer"}],
                }
            ],
            "Notification": [
                {"hooks": [{"type": "command", "command": "notify-send 'Claude Code'"}]}
            ],
        },
        "statusLine": {"type": "command", "command": "~/.claude/statusline.sh"},
    }


def write(path: Path, data: object, indent: int | None = 4) -> bytes:
    raw = (json.dumps(data, indent=indent, ensure_ascii=False) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return raw


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def our_groups(settings: dict, event: str) -> list[dict]:
    return [
        g
        for g in settings["hooks"].get(event, [])
        if any(is_our_command(h.get("command")) for h in g["hooks"])
    ]


def backups(directory: Path) -> list[Path]:
    return sorted(directory.glob("settings.json.bak-*"))


def key_structure(value: object) -> object:
    """Value with dict key order made visible, for order-sensitive comparisons."""
    if isinstance(value, dict):
        return [(k, key_structure(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [key_structure(v) for v in value]
    return value


# ---------------------------------------------------------------- fresh install


def test_fresh_install_into_missing_file_and_directory(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".claude" / "settings.json"

    result = apply(path, command=CMD)

    assert result.changed and result.written
    assert result.backup is None
    assert result.added == REGISTERED and result.updated == 0 and result.removed == 0
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    settings = json.loads(text)
    assert list(settings) == ["hooks"]
    assert list(settings["hooks"]) == NO_MATCHER_EVENTS + TASK_EVENTS
    for event in NO_MATCHER_EVENTS:
        assert settings["hooks"][event] == [
            {"hooks": [{"type": "command", "command": CMD, "timeout": 10}]}
        ]
    for event in TASK_EVENTS:
        assert settings["hooks"][event] == [
            {"matcher": "Task|Agent", "hooks": [{"type": "command", "command": CMD, "timeout": 10}]}
        ]
    assert all(installed_events(settings).values())
    assert set(installed_events(settings)) == set(NO_MATCHER_EVENTS + TASK_EVENTS)
    assert installed_commands(settings) == [CMD]
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]
    assert result.path == path
    assert '+        "matcher": "Task|Agent",' in result.diff


@posix_only
def test_new_file_gets_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = tmp_path / "settings.json"
        apply(path, command=CMD)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# ------------------------------------------------------------ merge with user's


def test_merge_keeps_everything_of_the_user(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    original = realistic()
    raw = write(path, original)
    now = dt.datetime(2026, 11, 24, 9, 15, 2, tzinfo=dt.timezone.utc)

    result = apply(path, command=CMD, now=now)

    assert result.changed and result.written
    assert result.backup == path.with_name("settings.json.bak-20261124T091502Z")
    assert result.backup.read_bytes() == raw
    after = load(path)
    # Every user key keeps its value and its place.
    assert list(after) == list(original)
    for key in original:
        if key != "hooks":
            assert key_structure(after[key]) == key_structure(original[key])
    # User hooks: same groups, same position, same content.
    for event, groups in original["hooks"].items():
        assert after["hooks"][event][: len(groups)] == groups
    assert after["hooks"]["Notification"] == original["hooks"]["Notification"]
    # Ours come after the user's, each in a group of its own.
    assert after["hooks"]["PreToolUse"][1] == {
        "matcher": TASK_MATCHER,
        "hooks": [{"type": "command", "command": CMD, "timeout": 10}],
    }
    assert after["hooks"]["PostToolUse"][1]["matcher"] == TASK_MATCHER
    assert len(after["hooks"]["PostToolUse"]) == 2
    assert all(installed_events(after).values())
    assert result.added == REGISTERED
    assert f"--- {path} (before)" in result.diff


def test_user_group_on_same_event_and_matcher_is_not_touched() -> None:
    user_group = {
        "matcher": "Task|Agent",
        "hooks": [{"type": "command", "command": "python3 ~/bin/log-task.py", "timeout": 5}],
    }
    settings = {"hooks": {"PreToolUse": [user_group]}}

    after = merged(settings, CMD)

    assert after["hooks"]["PreToolUse"][0] == user_group
    assert after["hooks"]["PreToolUse"][1]["hooks"][0]["command"] == CMD
    assert settings == {"hooks": {"PreToolUse": [user_group]}}  # input not mutated
    assert removed(after) == settings


def test_existing_entry_with_older_path_is_updated_in_place() -> None:
    old = "/home/me/old-venv/bin/agent-runs-hook"
    settings = {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Agent|Task",  # same alternatives, other order
                    "hooks": [
                        {"type": "command", "command": "echo before"},
                        {"type": "command", "command": old, "timeout": 30},
                        {"type": "command", "command": "echo after"},
                    ],
                }
            ],
            "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": old}]}],
        }
    }

    after, added, updated, dropped = install._merge(settings, CMD, False)

    group = after["hooks"]["PreToolUse"]
    assert len(group) == 1
    assert group[0]["matcher"] == "Agent|Task"
    assert [h["command"] for h in group[0]["hooks"]] == ["echo before", CMD, "echo after"]
    assert group[0]["hooks"][1]["timeout"] == 30  # the user's own timeout stays
    assert after["hooks"]["Stop"] == [
        {"matcher": "", "hooks": [{"type": "command", "command": CMD, "timeout": 10}]}
    ]
    assert (added, updated, dropped) == (REGISTERED - 2, 2, 0)
    assert merged(after, CMD) == after


def test_duplicates_of_ours_are_collapsed() -> None:
    ours = {"type": "command", "command": "/x/agent-runs-hook"}
    settings = {
        "hooks": {
            "Stop": [
                {"hooks": [dict(ours)]},
                {"hooks": [dict(ours), {"type": "command", "command": "say done"}]},
                {"hooks": [dict(ours)]},
            ]
        }
    }

    after, _, _, dropped = install._merge(settings, CMD, False)

    assert dropped == 2
    assert after["hooks"]["Stop"] == [
        {"hooks": [{"type": "command", "command": CMD, "timeout": 10}]},
        {"hooks": [{"type": "command", "command": "say done"}]},
    ]


def test_new_command_with_db_replaces_old_registration(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    apply(path, command=CMD)
    cmd_db = hook_command(HOOK, db=str(tmp_path / "runs.db"))

    result = apply(path, command=cmd_db)

    assert result.changed and result.added == 0 and result.updated == REGISTERED
    assert installed_commands(load(path)) == [cmd_db]


# ------------------------------------------------------------------ idempotence


def test_apply_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write(path, realistic())
    first = apply(path, command=CMD)
    content = path.read_bytes()
    mtime = path.stat().st_mtime_ns

    second = apply(path, command=CMD)

    assert first.changed
    assert not second.changed and not second.written
    assert second.backup is None and second.diff == ""
    assert (second.added, second.updated, second.removed) == (0, 0, 0)
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == mtime
    assert len(backups(tmp_path)) == 1


@pytest.mark.parametrize("files", [False, True])
def test_merged_is_idempotent_and_pure(files: bool) -> None:
    settings = realistic()
    snapshot = json.dumps(settings)
    once = merged(settings, CMD, files=files)
    assert merged(once, CMD, files=files) == once
    assert json.dumps(settings) == snapshot


# -------------------------------------------------------------------- uninstall


def test_uninstall_restores_the_original_structure(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    original = realistic()
    write(path, original)
    apply(path, command=CMD)

    result = apply(path, uninstall=True)

    assert result.changed and result.written
    assert result.removed == REGISTERED and result.added == 0
    assert key_structure(load(path)) == key_structure(original)
    assert len(backups(tmp_path)) == 2
    assert not any(is_our_command(line) for line in path.read_text().splitlines())


def test_uninstall_of_a_fresh_install_leaves_an_empty_object(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    apply(path, command=CMD, files=True)
    apply(path, uninstall=True)
    assert path.read_text() == "{}\n"


def test_uninstall_keeps_other_commands_and_empty_user_structures() -> None:
    settings = {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Task|Agent",
                    "hooks": [
                        {"type": "command", "command": "/a/b/agent-runs-hook --db /x.db"},
                        {"type": "command", "command": "other-tool record"},
                    ],
                },
                {"matcher": "Bash", "hooks": []},  # the user's own empty group
            ],
            "Stop": [],  # the user's own empty event
            "SessionEnd": [{"hooks": [{"type": "command", "command": "agent-runs hook"}]}],
        }
    }

    after = removed(settings)

    assert after == {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Task|Agent",
                    "hooks": [{"type": "command", "command": "other-tool record"}],
                },
                {"matcher": "Bash", "hooks": []},
            ],
            "Stop": [],
        }
    }
    assert removed(after) == after


def test_uninstall_without_our_hooks_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    raw = write(path, realistic())
    result = apply(path, uninstall=True)
    assert not result.changed and not result.written and result.removed == 0
    assert path.read_bytes() == raw
    assert backups(tmp_path) == []


def test_uninstall_of_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    result = apply(path, uninstall=True)
    assert not result.changed
    assert not path.parent.exists()


# ---------------------------------------------------------------------- dry run


def test_dry_run_writes_nothing_and_returns_a_diff(tmp_path: Path) -> None:
    missing = tmp_path / "new" / ".claude" / "settings.json"
    result = apply(missing, command=CMD, dry_run=True)
    assert result.changed and not result.written and result.backup is None
    assert result.added == REGISTERED
    assert not (tmp_path / "new").exists()
    assert result.diff.startswith(f"--- {missing} (before)\n+++ {missing} (after)\n")
    assert "-{}" in result.diff
    assert json.dumps(CMD) in result.diff

    path = tmp_path / "settings.json"
    raw = write(path, realistic())
    result = apply(path, command=CMD, dry_run=True)
    assert result.changed and not result.written
    assert path.read_bytes() == raw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]
    added_lines = [
        line for line in result.diff.splitlines() if line.startswith("+") and "+++" not in line
    ]
    removed_lines = [
        line for line in result.diff.splitlines() if line.startswith("-") and "---" not in line
    ]
    assert sum(json.dumps(CMD) in line for line in added_lines) == REGISTERED
    assert removed_lines == []  # nothing of the user's goes away

    apply(path, command=CMD)
    result = apply(path, uninstall=True, dry_run=True)
    assert result.changed and result.removed == REGISTERED
    assert sum(json.dumps(CMD) in line for line in result.diff.splitlines()) == REGISTERED
    assert installed_events(load(path))["Stop"]


# ------------------------------------------------------------------ broken files

BROKEN = {
    "invalid JSON": b'{\n  "model": "opus",\n  "hooks": {,}\n}\n',
    "trailing comma": b'{"permissions": {"allow": []},}\n',
    "top level is a list": b"[]\n",
    "top level is a string": b'"hooks"\n',
    "top level is null": b"null\n",
    "hooks is a list": b'{"hooks": []}\n',
    "hooks is null": b'{"hooks": null}\n',
    "event value is an object": b'{"hooks": {"Stop": {"hooks": []}}}\n',
    "event value is a string": b'{"hooks": {"PreToolUse": "agent-runs-hook"}}\n',
    "group is a string": b'{"hooks": {"Stop": ["agent-runs-hook"]}}\n',
    "group hooks is an object": b'{"hooks": {"Stop": [{"hooks": {"command": "x"}}]}}\n',
    "hook entry is a string": b'{"hooks": {"Stop": [{"hooks": ["x"]}]}}\n',
    "NaN": b'{"n": NaN}\n',
    "not UTF-8": b'{"env": {"X": "\xff"}}\n',
}


@pytest.mark.parametrize("name", list(BROKEN))
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"uninstall": True}, {"dry_run": True}, {"files": True}],
    ids=["install", "uninstall", "dry-run", "files"],
)
def test_broken_settings_raise_and_stay_untouched(tmp_path: Path, name: str, kwargs: dict) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(BROKEN[name])
    os.chmod(path, 0o644)
    before = path.stat()

    with pytest.raises(SettingsError) as excinfo:
        apply(path, command=CMD, **kwargs)

    message = str(excinfo.value)
    assert "\n" not in message
    assert message.endswith("left untouched")
    assert str(path) in message
    assert path.read_bytes() == BROKEN[name]
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no backup, no temp


def test_invalid_json_message_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(BROKEN["invalid JSON"])
    with pytest.raises(SettingsError, match=r"is not valid JSON \(line 3, column 13\): "):
        apply(path, command=CMD)


def test_message_uses_tilde_for_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = settings_path("user", home=tmp_path)
    path.parent.mkdir()
    path.write_bytes(b'{"hooks": []}')
    with pytest.raises(SettingsError) as excinfo:
        apply(path, command=CMD)
    assert str(excinfo.value) == (
        f'~{os.sep}.claude{os.sep}settings.json: "hooks" is a list, not an object; left untouched'
    )


def test_pure_functions_reject_broken_settings() -> None:
    for bad in ({"hooks": []}, {"hooks": {"Stop": {}}}, []):
        with pytest.raises(SettingsError):
            merged(bad, CMD)  # type: ignore[arg-type]
        with pytest.raises(SettingsError):
            removed(bad)  # type: ignore[arg-type]
        with pytest.raises(SettingsError):
            installed_events(bad)  # type: ignore[arg-type]


def test_empty_file_counts_as_empty_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"  \n")
    result = apply(path, command=CMD)
    assert result.written and result.backup is not None
    assert result.backup.read_bytes() == b"  \n"
    assert all(installed_events(load(path)).values())


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"model": "opus"}).encode())
    apply(path, command=CMD)
    assert load(path)["model"] == "opus"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    with pytest.raises(SettingsError, match="is a directory"):
        apply(path, command=CMD)


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_unwritable_directory_gives_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    raw = write(path, realistic())
    os.chmod(tmp_path, 0o555)
    try:
        with pytest.raises(SettingsError, match=r"^cannot write .*settings\.json: "):
            apply(path, command=CMD)
    finally:
        os.chmod(tmp_path, 0o755)
    assert path.read_bytes() == raw
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_path_below_a_file_gives_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "home").write_text("not a directory")
    with pytest.raises(SettingsError, match=r"^cannot read .*settings\.json: [^\n]+$"):
        apply(tmp_path / "home" / ".claude" / "settings.json", command=CMD)


# ------------------------------------------------------------------ files=True


def test_files_option_adds_file_tool_matchers_and_uninstall_removes_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    original = realistic()
    write(path, original)

    result = apply(path, command=CMD, files=True)

    assert result.added == REGISTERED + 2
    after = load(path)
    for event in ("PreToolUse", "PostToolUse"):
        assert [g["matcher"] for g in our_groups(after, event)] == [TASK_MATCHER, FILE_MATCHER]
    assert FILE_MATCHER == "Edit|Write|MultiEdit|NotebookEdit|Read"
    assert [g.get("matcher") for g in our_groups(after, "PostToolUseFailure")] == [TASK_MATCHER]
    assert all(installed_events(after, files=True).values())

    # Installing again without files keeps them (nothing to do).
    assert not apply(path, command=CMD).changed
    assert not apply(path, command=CMD, files=True).changed

    result = apply(path, uninstall=True)
    assert result.removed == REGISTERED + 2
    assert key_structure(load(path)) == key_structure(original)


def test_installed_events_reports_missing_registrations() -> None:
    settings = merged({}, CMD)
    assert not installed_events(settings, files=True)["PreToolUse"]
    assert installed_events(settings, files=True)["Stop"]
    del settings["hooks"]["Stop"]
    settings["hooks"]["PostToolUse"][0]["matcher"] = "Bash"
    status = installed_events(settings)
    assert not status["Stop"] and not status["PostToolUse"]
    assert status["PreToolUse"] and status["SubagentStop"]
    assert not any(installed_events({}).values())


# ------------------------------------------------------------------- file modes


@posix_only
def test_file_mode_is_preserved(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write(path, realistic())
    os.chmod(path, 0o600)

    result = apply(path, command=CMD)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert result.backup is not None
    assert stat.S_IMODE(result.backup.stat().st_mode) == 0o600

    os.chmod(path, 0o664)
    apply(path, uninstall=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


@posix_only
def test_symlinked_settings_are_written_through(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "claude-settings.json"
    raw = write(dotfiles, realistic())
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.symlink_to(dotfiles)

    result = apply(path, command=CMD)

    assert path.is_symlink()
    assert all(installed_events(load(dotfiles)).values())
    assert result.backup is not None and result.backup.parent == dotfiles.parent
    assert result.backup.read_bytes() == raw


def test_backups_in_the_same_second_do_not_overwrite_each_other(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write(path, {"model": "opus"})
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    first = apply(path, command=CMD, now=now)
    second = apply(path, uninstall=True, now=now)
    assert first.backup is not None and second.backup is not None
    assert first.backup != second.backup
    assert re.fullmatch(r"settings\.json\.bak-20260102T030405Z", first.backup.name)
    assert json.loads(first.backup.read_text()) == {"model": "opus"}
    assert all(installed_events(json.loads(second.backup.read_text())).values())


# ---------------------------------------------------------------- hook command


def test_hook_command_is_absolute_and_quoted() -> None:
    command = hook_command("/opt/agent runs/bin/agent-runs-hook")
    assert command == "'/opt/agent runs/bin/agent-runs-hook'"
    assert shlex.split(command) == ["/opt/agent runs/bin/agent-runs-hook"]
    assert is_our_command(command)

    plain = hook_command("/usr/local/bin/agent-runs-hook")
    assert plain == "/usr/local/bin/agent-runs-hook"


def test_hook_command_makes_relative_paths_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    command = hook_command("bin/agent-runs-hook", db="data dir/runs.db")
    words = shlex.split(command)
    assert words == [
        str(tmp_path / "bin" / "agent-runs-hook"),
        "--db",
        str(tmp_path / "data dir" / "runs.db"),
    ]
    assert all(os.path.isabs(w) for w in (words[0], words[2]))


def _fake_script(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "agent-runs-hook"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    return script


@posix_only
def test_hook_command_finds_the_script_next_to_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin = tmp_path / "my venv" / "bin"
    script = _fake_script(venv_bin)
    _fake_script(tmp_path / "elsewhere")
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))

    command = hook_command()

    assert shlex.split(command) == [str(script)]


@posix_only
def test_hook_command_falls_back_to_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _fake_script(tmp_path / "on-path")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bare" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "on-path"))
    assert hook_command(db="/tmp/x.db") == f"{script} --db /tmp/x.db"


def test_hook_command_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bare" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(SettingsError, match="cannot find the agent-runs-hook script"):
        hook_command()


@pytest.mark.parametrize(
    "command, ours",
    [
        ("/usr/bin/agent-runs-hook", True),
        ("agent-runs-hook", True),
        ("'/opt/agent runs/bin/agent-runs-hook' --db '/data/my runs.db'", True),
        ("AGENT_RUNS_DB=/x.db /venv/bin/agent-runs-hook", True),
        (r"C:\Users\me\venv\Scripts\agent-runs-hook.exe", True),
        ("agent-runs hook --db /x.db", True),
        ("/usr/bin/agent-runs-hook-old", False),
        ("echo agent-runs-hook", False),
        ("agent-runs serve", False),
        ("python3 -c 'print(1)' agent-runs-hook", False),
        ("unbalanced 'quote", False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_is_our_command(command: object, ours: bool) -> None:
    assert is_our_command(command) is ours


# ---------------------------------------------------------------- scopes


def test_settings_path_scopes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    home, project = tmp_path / "home", tmp_path / "project"
    assert settings_path("user", home=home) == home / ".claude" / "settings.json"
    assert settings_path("project", cwd=project) == project / ".claude" / "settings.json"
    assert settings_path("local", cwd=project) == project / ".claude" / "settings.local.json"

    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    assert settings_path("user") == Path.home() / ".claude" / "settings.json"
    assert settings_path("project") == tmp_path / ".claude" / "settings.json"

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cfg"))
    assert settings_path("user") == tmp_path / "cfg" / "settings.json"
    assert settings_path("user", home=home) == home / ".claude" / "settings.json"

    with pytest.raises(SettingsError, match="unknown settings scope 'team'"):
        settings_path("team")


# ------------------------------------------------------------------ refused shapes (issue 15)

UNSAFE = {
    "a number beyond a double": b'{"cleanupPeriodDays": 1e400, "hooks": {}}',
    "a number with more digits than a double": b'{"ratio": 0.10000000000000000000001}',
    "a repeated key": b'{"model": "opus", "hooks": {}, "model": "sonnet"}',
    "a repeated nested key": b'{"env": {"A": "1", "A": "2"}}',
}


@pytest.mark.parametrize("raw", UNSAFE.values(), ids=list(UNSAFE))
def test_settings_that_cannot_be_written_back_exactly_are_refused(tmp_path: Path, raw) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_bytes(raw)
    result = run_cli("install-hooks", env={"HOME": str(tmp_path)})
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert "left untouched" in line and "Traceback" not in result.stderr
    assert path.read_bytes() == raw
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no stray backup


def test_exact_numbers_and_distinct_keys_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"ratio": 0.1, "big": 12345678901234567890, "e": 1E5, "env": {"A": "1"}}')
    apply(path, command=CMD)
    kept = load(path)
    assert (kept["ratio"], kept["big"], kept["e"], kept["env"]) == (
        0.1,
        12345678901234567890,
        1e5,
        {"A": "1"},
    )


@posix_only
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    os.mkfifo(path)
    result = run_cli("install-hooks", env={"HOME": str(tmp_path)})
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert "not a regular file" in line
    assert stat.S_ISFIFO(path.stat().st_mode)
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_backups_are_private(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write(path, realistic())
    os.chmod(path, 0o644)
    result = apply(path, command=CMD)
    assert stat.S_IMODE(result.backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the settings keep their own mode


def test_an_entry_of_ours_under_a_matcher_we_no_longer_use_is_replaced() -> None:
    """An older install's "Task" or "*" group: updated into ours, never run twice."""
    old = {"type": "command", "command": "/old/venv/bin/agent-runs-hook"}
    theirs = {"type": "command", "command": "other.sh"}
    settings = {
        "hooks": {
            "PreToolUse": [{"matcher": "Task", "hooks": [old]}],
            "PostToolUse": [{"matcher": "*", "hooks": [old, theirs]}],
        }
    }
    after = install.merged(settings, "/new/agent-runs-hook")
    assert after["hooks"]["PreToolUse"] == [
        {"matcher": "Task|Agent", "hooks": [install._new_entry("/new/agent-runs-hook")]}
    ]
    post = after["hooks"]["PostToolUse"]
    assert post[0] == {"matcher": "*", "hooks": [theirs]}  # the other tool's stays
    assert [g["matcher"] for g in post] == ["*", "Task|Agent"]
    assert install.installed_commands(after) == ["/new/agent-runs-hook"]
    assert install.merged(after, "/new/agent-runs-hook") == after


def claude_home(tmp_path: Path) -> dict:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    return {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}


def test_installing_again_keeps_the_database_and_doctor_checks_it(tmp_path: Path) -> None:
    env = claude_home(tmp_path)
    mine = tmp_path / "mine" / "runs.db"
    assert run_cli("install-hooks", "--db", str(mine), env=env).returncode == 0
    again = run_cli("install-hooks", env=env, cwd=env["HOME"])
    assert again.returncode == 0 and f"keeping --db {mine}" in again.stderr
    settings = json.loads((Path(env["CLAUDE_CONFIG_DIR"]) / "settings.json").read_text())
    assert install.registered_database(settings) == str(mine)
    mine.parent.mkdir()
    mine.write_bytes(b"not a database" * 100)
    doctor = run_cli("doctor", env=env, cwd=env["HOME"])
    assert doctor.returncode == 1 and f"database: {mine} is not a SQLite database" in doctor.stdout


def test_doctor_names_hooks_turned_off_and_accepts_a_shell_launcher(tmp_path: Path) -> None:
    env = claude_home(tmp_path)
    folder = tmp_path / "venv with space" / "bin"  # pip writes a /bin/sh launcher here
    folder.mkdir(parents=True)
    launcher = folder / "agent-runs-hook"
    launcher.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m recorder.hook.entry "$@"\n'
    )
    launcher.chmod(0o755)
    command = install.hook_command(str(launcher), db=tmp_path / "index.db")
    assert run_cli("install-hooks", "--db", str(tmp_path / "index.db"), env=env).returncode == 0
    path = Path(env["CLAUDE_CONFIG_DIR"]) / "settings.json"
    settings = install.merged(json.loads(path.read_text()), command)
    path.write_text(json.dumps(settings))
    doctor = run_cli("doctor", env=env, cwd=env["HOME"])
    assert f"ok    hook command: runs: {command}" in doctor.stdout, doctor.stdout
    path.write_text(json.dumps(dict(settings, disableAllHooks=True)))
    doctor = run_cli("doctor", env=env, cwd=env["HOME"])
    assert doctor.returncode == 1 and "sets disableAllHooks" in doctor.stdout


def doctor_hooks_line(env: dict, cwd: Path) -> str:
    doctor = run_cli("doctor", env=env, cwd=cwd)
    (line,) = [line for line in doctor.stdout.splitlines() if "  hooks: " in line]
    return line


def test_doctor_and_install_hooks_name_a_hook_registered_twice(tmp_path: Path) -> None:
    """Claude Code (2.1.337, tried) runs one command named in two settings files once, but
    runs the plugin's hooks beside the settings' hooks, and two different commands on one
    event each: doctor says which, install-hooks warns, and the plugin alone is enough."""
    env = claude_home(tmp_path)
    home, project = Path(env["HOME"]), tmp_path / "project"
    user = Path(env["CLAUDE_CONFIG_DIR"]) / "settings.json"
    (project / ".claude").mkdir(parents=True)
    write(user, {"enabledPlugins": {"agent-runs@tools": True}})
    assert (
        doctor_hooks_line(env, home)
        == "ok    hooks: registered by the agent-runs plugin (agent-runs@tools)"
    )

    done = run_cli("install-hooks", env=env, cwd=home)  # a user who also follows the README
    assert done.returncode == 0
    assert (
        "warning: the hook is now registered twice (by the agent-runs plugin (agent-runs@tools)"
        in done.stderr
    )
    line = doctor_hooks_line(env, home)
    assert line.startswith(
        "FAIL  hooks: registered twice (by the agent-runs plugin (agent-runs@tools) and in "
        "~/.claude/settings.json)"
    )
    assert "--uninstall" in line

    # the project's local settings turn the plugin off (a later scope overrides)
    write(
        project / ".claude" / "settings.local.json", {"enabledPlugins": {"agent-runs@tools": False}}
    )
    assert doctor_hooks_line(env, project) == "ok    hooks: installed for every event"

    # the same command in the project's settings too: Claude Code runs it once
    assert run_cli("install-hooks", "--scope", "project", env=env, cwd=project).returncode == 0
    assert doctor_hooks_line(env, project) == "ok    hooks: installed for every event"

    # a different command (another --db) in the project's settings: both run
    other = run_cli(
        "install-hooks",
        "--scope",
        "project",
        "--db",
        str(tmp_path / "other.db"),
        env=env,
        cwd=project,
    )
    assert (
        other.returncode == 0
        and "registered twice (as 2 different commands for SessionStart" in other.stderr
    )
    line = doctor_hooks_line(env, project)
    assert line.startswith(
        "FAIL  hooks: registered twice (as 2 different commands for SessionStart (`"
    )
    assert "in ~/.claude/settings.json; `" in line and "other.db" in line

    # taking ours out of the project's settings leaves one registration again
    undo = run_cli("install-hooks", "--uninstall", "--scope", "project", env=env, cwd=project)
    assert undo.returncode == 0
    assert doctor_hooks_line(env, project) == "ok    hooks: installed for every event"
    # the advice's third scope exists: the project's own, git-ignored settings
    local = run_cli("install-hooks", "--scope", "local", "--db", "x.db", env=env, cwd=project)
    assert local.returncode == 0 and "settings.local.json: updated" in local.stdout
    assert doctor_hooks_line(env, project).startswith("FAIL  hooks: registered twice (as 2")


def registration(command: str, matcher: str | None, event: str = "PostToolUse") -> dict:
    group: dict = {"hooks": [{"type": "command", "command": command}]}
    if matcher is not None:
        group["matcher"] = matcher
    return {"hooks": {event: [group]}}


@pytest.mark.parametrize(
    ("user", "project", "twice"),
    [
        ("Task|Agent", "Task", True),  # both match a Task call
        ("Agent", "Task|Agent", True),
        (None, "Agent", True),  # no matcher: every tool
        ("*", "Task", True),
        ("Ta.*", "Agent", True),  # a pattern, taken to match anything
        ("Task", "Agent", False),  # never the same call
        ("Task", "Bash|Read", False),
    ],
)
def test_two_commands_whose_matchers_overlap_are_registered_twice(user, project, twice) -> None:
    """Different commands run once each for a call both matchers match, however the
    matchers are written."""
    mine = "agent-runs-hook --db /a.db"
    other = "agent-runs-hook --db /b.db"
    found = install.registered_twice(
        [("user.json", registration(mine, user)), ("project.json", registration(other, project))]
    )
    assert (found is not None) == twice
    if twice:
        assert found.startswith("as 2 different commands for PostToolUse (`")
        assert "/a.db` in user.json" in found and "/b.db` in project.json" in found
    # the same command under both: Claude Code runs one command string once
    same = [("user.json", registration(mine, user)), ("project.json", registration(mine, project))]
    assert install.registered_twice(same) is None


def test_doctor_on_a_database_the_hooks_do_not_write_says_so(tmp_path: Path) -> None:
    """A --db with a typo does not exist: fine when the hooks will create it, a problem when
    they write another one."""
    env = claude_home(tmp_path)
    home = Path(env["HOME"])
    mine = tmp_path / "runs" / "index.db"
    assert run_cli("install-hooks", "--db", str(mine), env=env, cwd=home).returncode == 0
    typo = tmp_path / "runz" / "index.db"
    doctor = run_cli("doctor", "--db", str(typo), env=env, cwd=home)
    assert doctor.returncode == 1
    assert (
        f"FAIL  database: {typo} does not exist, and the registered hooks write {mine}, so "
        "nothing will create it" in doctor.stdout
    )
    doctor = run_cli("doctor", "--db", str(mine), env=env, cwd=home)
    assert f"ok    database: {mine} does not exist yet (it will be created" in doctor.stdout
    # a project whose own settings register the hook on the default database
    project = tmp_path / "project"
    (project / ".claude").mkdir(parents=True)
    write(project / ".claude" / "settings.json", {"hooks": {"SessionStart": [
        {"hooks": [{"type": "command", "command": "agent-runs-hook"}]}]}})  # fmt: skip
    default = home / ".claude" / "emergent-learning" / "memory" / "index.db"
    doctor = run_cli("doctor", "--db", str(default), env=env, cwd=project)
    assert f"ok    database: {default} does not exist yet" in doctor.stdout, doctor.stdout
    doctor = run_cli("doctor", "--db", str(typo), env=env, cwd=project)
    assert f"the registered hooks write {default}, {mine}, so nothing" in doctor.stdout


def test_reading_commands_name_the_database_the_hooks_write(tmp_path: Path, monkeypatch) -> None:
    """Hooks installed with --db write there; a command reading the default database (no
    --db, no $AGENT_RUNS_DB) says where the hooks write instead of reading silently."""
    monkeypatch.delenv("AGENT_RUNS_DB", raising=False)
    env = claude_home(tmp_path)
    mine = tmp_path / "mine" / "runs.db"
    assert run_cli("install-hooks", "--db", str(mine), env=env).returncode == 0
    assert run_cli("init", "--db", str(mine), env=env).returncode == 0
    default = Path(env["HOME"]) / ".claude" / "emergent-learning" / "memory" / "index.db"
    missing = run_cli("stats", env=env, cwd=env["HOME"])
    assert missing.returncode == 1
    assert f"{default} does not exist" in missing.stderr
    assert f"the registered hooks write {mine}" in missing.stderr
    assert run_cli("init", env=env, cwd=env["HOME"]).returncode == 0  # an old default one
    stale = run_cli("stats", env=env, cwd=env["HOME"])
    assert stale.returncode == 0
    assert f"reading {default}; the registered hooks write {mine}" in stale.stderr
    chosen = run_cli("stats", "--db", str(mine), env=env, cwd=env["HOME"])
    assert chosen.returncode == 0 and "registered hooks" not in chosen.stderr
