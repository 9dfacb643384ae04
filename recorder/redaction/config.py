"""agent-runs' own settings folder, where the user's redaction patterns are looked for.

``recorder.hook.paths`` offers the same function to the rest (the serving secret,
revoked sign-in tokens). Standard library only.
"""

import os


def config_dir() -> str:
    """agent-runs' own settings: ``$XDG_CONFIG_HOME/agent-runs``, else ``~/.config/agent-runs``."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "agent-runs")
