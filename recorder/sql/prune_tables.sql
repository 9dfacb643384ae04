-- What `agent-runs prune` deletes, held in temp tables (they never touch the database file):
-- every run found old (prune_candidates), and the runs, nodes and sessions of the batch
-- being deleted now (prune_runs, prune_nodes, prune_sessions; see prune_delete.sql).
CREATE TEMP TABLE IF NOT EXISTS prune_candidates (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS prune_runs (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS prune_nodes (id INTEGER PRIMARY KEY, agent_id TEXT);
CREATE TEMP TABLE IF NOT EXISTS prune_sessions (id TEXT PRIMARY KEY);
