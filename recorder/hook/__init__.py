"""The hook: keep one Claude Code event, quickly, with the standard library only."""
