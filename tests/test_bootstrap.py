"""scripts/bootstrap.py, the README's two commands: on a python3 without ensurepip (Debian
without python3-venv) the environment gets pip from PyPI; bad use is a one-line answer."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bootstrap.py"


def load_bootstrap():
    spec = importlib.util.spec_from_file_location("bootstrap", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unknown_command_gets_the_usage_and_exit_2():
    for args in ([], ["serve"]):
        done = subprocess.run(
            [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 2
        assert done.stdout.startswith("usage: python3 ") and "demo|test" in done.stdout


def test_without_ensurepip_the_environment_gets_pip_from_pypi(tmp_path, monkeypatch):
    try:
        urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=20).close()
    except OSError as exc:
        pytest.skip(f"PyPI is not reachable from here: {exc}")
    bootstrap = load_bootstrap()
    monkeypatch.setattr(bootstrap, "VENV", str(tmp_path / ".venv"))
    monkeypatch.setattr(bootstrap, "has_ensurepip", lambda: False)
    python = bootstrap.environment()
    assert python.startswith(str(tmp_path / ".venv"))
    assert bootstrap.has_pip(python)
    assert not list((tmp_path / ".venv").glob("pip-*.whl"))  # the fetched wheel is gone
    assert bootstrap.environment() == python  # run again: the same environment
