"""Whether a hook command registered in settings.json exists and can start (for ``doctor``).

A console script keeps working only while the interpreter on its ``#!`` line does: move
or delete the virtualenv and every hook call fails, silently for Claude Code's user.
The check finds the command's executable, then asks its interpreter to import the hook
entry point (or runs a launcher script with ``--help``), without sending it an event (so
nothing is recorded).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

from recorder.ops.install import is_our_command

TIMEOUT_SECONDS = 20


def executable(command: str) -> str:
    """The program a hook command starts (environment assignments skipped)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    while words and "=" in words[0] and not words[0].startswith(("/", ".")):
        words = words[1:]
    return words[0] if words else ""


def interpreter(path: str) -> list[str] | None:
    """The ``#!`` line of a script as a command, or None for a binary or no such line."""
    try:
        with open(path, "rb") as f:
            first = f.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    return first[2:].decode("utf-8", "replace").split()


def problem(command: str) -> str | None:
    """Why ``command`` cannot run our hook, or None when it can."""
    program = executable(command)
    path = program if os.path.isabs(program) else shutil.which(program)
    if not path or not os.path.isfile(path):
        return f"{program} does not exist"
    if not os.access(path, os.X_OK):
        return f"{path} is not executable"
    shebang = interpreter(path)
    if shebang is None:
        return None  # a binary launcher (Windows .exe): existing is what we can check
    if not shutil.which(shebang[0]) and not os.path.isfile(shebang[0]):
        return f"{path} runs {shebang[0]}, which does not exist"
    # A python script is asked to import the hook; a launcher (pip writes a /bin/sh one
    # when the path has a space or is long) is run with --help, which records nothing.
    python = any(os.path.basename(word).startswith("python") for word in shebang)
    check = [*shebang, "-c", "import recorder.hook.entry"] if python else [path, "--help"]
    try:
        done = subprocess.run(
            check,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{path} cannot start: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit code " + str(done.returncode)])[-1]
        return f"{path} cannot start: {last}"
    return None


def checks(commands: list[str]) -> list[tuple[bool, str]]:
    """(ok, line) for each registered agent-runs hook command."""
    lines = []
    for command in commands:
        if not is_our_command(command):
            continue
        why = problem(command)
        if why:
            lines.append(
                (False, f"hook command: {why} (run `agent-runs install-hooks` again): {command}")
            )
        else:
            lines.append((True, f"hook command: runs: {command}"))
    return lines
