"""A plain (non-editable) install carries everything a checkout has."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_code_sql_metadata_and_canned_queries(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("agent_runs-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"recorder/data/metadata.yml", "recorder/hook.py", "datasette_plugins/agent_runs.py"}
    expected |= {f"recorder/sql/{p.name}" for p in (ROOT / "recorder" / "sql").glob("*.sql")}
    expected |= {
        f"recorder/data/canned_queries/{p.name}" for p in (ROOT / "canned_queries").glob("*.sql")
    }
    assert expected <= names, sorted(expected - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "agent-runs-hook = recorder.hook_entry:run" in text
    assert "agent_runs = datasette_plugins.agent_runs" in text
