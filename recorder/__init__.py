"""agent-runs recorder: Claude Code subagent executions into one SQLite file.

Only the standard library is imported here, so the hook process stays fast.
"""

__version__ = "0.1.0"
