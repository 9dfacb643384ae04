-- What `agent-runs prune` deletes, held in temp tables (they never touch the database file):
-- every run found old (prune_candidates), and the runs, nodes and sessions of the batch
-- being deleted now (prune_runs, prune_nodes, prune_sessions; see prune_delete.sql).
CREATE TEMP TABLE IF NOT EXISTS prune_candidates (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS prune_runs (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS prune_nodes (id INTEGER PRIMARY KEY, agent_id TEXT);
CREATE TEMP TABLE IF NOT EXISTS prune_sessions (id TEXT PRIMARY KEY);
-- Each run's last activity: the latest of its own updated_at, completed_at, started_at and
-- created_at and of its nodes' updated_at, completed_at and started_at ('' when it has no
-- time at all; a time as ELF writes it, "2026-12-07 04:08:02", is read as ISO 8601, its
-- space a T); failed: the run or one of its nodes failed. Read when the runs are chosen
-- and again inside each batch's transaction.
CREATE TEMP VIEW IF NOT EXISTS prune_run_activity AS
SELECT r.id,
       max(replace(coalesce(r.updated_at, ''), ' ', 'T'),
           replace(coalesce(r.completed_at, ''), ' ', 'T'),
           replace(coalesce(r.started_at, ''), ' ', 'T'),
           replace(coalesce(r.created_at, ''), ' ', 'T'),
           coalesce((SELECT max(max(replace(coalesce(n.updated_at, ''), ' ', 'T'),
                                    replace(coalesce(n.completed_at, ''), ' ', 'T'),
                                    replace(coalesce(n.started_at, ''), ' ', 'T')))
                     FROM node_executions AS n WHERE n.run_id = r.id), '')) AS last_at,
       r.status = 'failed' OR EXISTS (
           SELECT 1 FROM node_executions AS f WHERE f.run_id = r.id AND f.status = 'failed'
       ) AS failed
FROM workflow_runs AS r;
-- Each session's last activity: the latest of its last_event_at, ended_at and started_at
-- (created_at, the time it was written, only when it has none of these), times read as
-- in prune_run_activity.
CREATE TEMP VIEW IF NOT EXISTS prune_session_activity AS
SELECT s.id,
       coalesce(nullif(max(replace(coalesce(s.last_event_at, ''), ' ', 'T'),
                           replace(coalesce(s.ended_at, ''), ' ', 'T'),
                           replace(coalesce(s.started_at, ''), ' ', 'T')), ''),
                replace(s.created_at, ' ', 'T'), '') AS last_at
FROM sessions AS s;
