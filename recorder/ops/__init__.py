"""Operating the recorder: install-hooks, doctor, prune, permissions, the serving secret."""
