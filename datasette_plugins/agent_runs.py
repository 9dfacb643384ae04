"""The agent-runs Datasette plugin: dashboard, run pages, cell rendering, canned queries."""
