"""Install agent-runs into ./.venv and run it: the README's two commands.

    python3 scripts/bootstrap.py demo          # install, write the demo database, serve it
    python3 scripts/bootstrap.py test [ARGS]   # install with the test extra, run pytest ARGS

Standard library only, for a machine that has python3 and nothing else. Debian leaves
``ensurepip`` out of python3 (it is in the python3-venv package), so where it is missing
the environment is made without pip, and pip's wheel is fetched from PyPI (its SHA-256
checked) and runs itself to install pip. Run again, it reuses the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
PIP_RELEASE = "https://pypi.org/pypi/pip/json"
COMMANDS = {
    "demo": (".", [["agent-runs", "demo"], ["agent-runs", "serve", "--db", "memory/index.db"]]),
    "test": (".[test]", [["pytest"]]),
}


def executable(name: str) -> str:
    """A program installed in the environment."""
    if os.name == "nt":
        return os.path.join(VENV, "Scripts", name + ".exe")
    return os.path.join(VENV, "bin", name)


def has_pip(python: str) -> bool:
    found = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, check=False)
    return found.returncode == 0


def has_ensurepip() -> bool:
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return False
    return True


def fetch_pip(python: str) -> None:
    """Install pip into the environment from its newest wheel on PyPI."""
    print("ensurepip is missing (Debian's python3-venv): fetching pip from PyPI", flush=True)
    with urllib.request.urlopen(PIP_RELEASE, timeout=60) as answer:
        release = json.load(answer)
    wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
    url = urllib.parse.urljoin(PIP_RELEASE, wheel["url"])  # a mirror may give it relative
    with urllib.request.urlopen(url, timeout=300) as answer:
        data = answer.read()
    if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
        sys.exit(f"bootstrap: {wheel['filename']} does not match its SHA-256 on PyPI")
    path = os.path.join(VENV, wheel["filename"])
    with open(path, "wb") as f:
        f.write(data)
    try:  # a wheel is a zip Python can run: pip installs itself from it
        subprocess.run([python, os.path.join(path, "pip"), "install", "-q", path], check=True)
    finally:
        os.remove(path)


def environment() -> str:
    """The environment's python, made (with pip) when it is missing or has no pip."""
    python = executable("python")
    if not os.path.exists(python):
        print(f"making {VENV}", flush=True)
        venv.EnvBuilder(with_pip=has_ensurepip()).create(VENV)
    if not has_pip(python):
        fetch_pip(python)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 {os.path.relpath(__file__)} demo|test [pytest arguments]")
        return 2
    requirement, steps = COMMANDS[argv[0]]
    os.chdir(ROOT)
    python = environment()
    subprocess.run([python, "-m", "pip", "install", requirement], check=True)
    for program, *arguments in steps:
        extra = argv[1:] if program == "pytest" else []
        done = subprocess.run([executable(program), *arguments, *extra], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"bootstrap: {' '.join(map(str, exc.cmd))} failed (exit {exc.returncode})")
    except OSError as exc:  # URLError too: no network to PyPI
        sys.exit(f"bootstrap: {exc}")
    except KeyboardInterrupt:  # Ctrl-C stops the dashboard
        sys.exit(130)
