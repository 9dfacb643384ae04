"""Datasette plugins of agent-runs, registered by the ``datasette`` entry point."""
