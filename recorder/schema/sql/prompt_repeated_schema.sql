-- node_executions.prompt_repeated (m032): 1 while another node has the same prompt_hash,
-- else NULL, whoever writes the rows (derivation, a rebuild, ELF's own code). A group is
-- looked at again when a node joins it or leaves it (deleted, or its prompt_hash changed),
-- through idx_node_exec_prompt_hash, counting at most two of its nodes; only flags that
-- change are written.
CREATE TRIGGER IF NOT EXISTS prompt_repeated_ai AFTER INSERT ON node_executions
WHEN new.prompt_hash IS NOT NULL
BEGIN
    UPDATE node_executions SET prompt_repeated = 1
    WHERE prompt_hash = new.prompt_hash AND prompt_repeated IS NULL
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = new.prompt_hash LIMIT 2)) = 2;
END;

CREATE TRIGGER IF NOT EXISTS prompt_repeated_ad AFTER DELETE ON node_executions
WHEN old.prompt_repeated = 1
BEGIN
    UPDATE node_executions SET prompt_repeated = NULL
    WHERE prompt_hash = old.prompt_hash
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = old.prompt_hash LIMIT 2)) = 1;
END;

CREATE TRIGGER IF NOT EXISTS prompt_repeated_au AFTER UPDATE OF prompt_hash ON node_executions
WHEN old.prompt_hash IS NOT new.prompt_hash
BEGIN
    UPDATE node_executions SET prompt_repeated = NULL  -- the group it left
    WHERE prompt_hash = old.prompt_hash
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = old.prompt_hash LIMIT 2)) = 1;
    UPDATE node_executions SET prompt_repeated = NULL  -- itself, until its new group says
    WHERE id = new.id AND prompt_repeated IS NOT NULL;
    UPDATE node_executions SET prompt_repeated = 1  -- the group it joined
    WHERE prompt_hash = new.prompt_hash AND prompt_repeated IS NULL
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = new.prompt_hash LIMIT 2)) = 2;
END;

-- It holds every column retried-prompts reads of an attempt (prompt_repeated too, so that
-- SQLite reads the index alone).
CREATE INDEX IF NOT EXISTS idx_node_exec_repeated ON node_executions(
    started_at, prompt_hash, project, agent_type, duplicate_of, prompt_repeated, status,
    outcome, run_id, session_id)
    WHERE prompt_repeated = 1;
