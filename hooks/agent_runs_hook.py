#!/usr/bin/env python3
"""Claude Code hook entry script for agent-runs (same as the `agent-runs-hook` command).

Use it directly from a checkout, e.g. in settings.json:
    "command": "python3 /path/to/agent-runs/hooks/agent_runs_hook.py"
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from recorder.hook.entry import run  # noqa: E402

if __name__ == "__main__":
    run()
