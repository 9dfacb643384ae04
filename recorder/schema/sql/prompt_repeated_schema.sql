-- node_executions.prompt_repeated (m032): 1 while another node has the same prompt_hash,
-- else NULL, whoever writes the rows (derivation, a rebuild, ELF's own code). A node that
-- joins or leaves a group (inserted, deleted, its prompt_hash changed) costs a few searches
-- of idx_node_exec_prompt_hash whatever the group's size: only a group going from one node
-- to two, or from two to one, has another node's flag to change, that one node is found
-- by its id, and the count that tells counts at most three nodes.
CREATE TRIGGER IF NOT EXISTS prompt_repeated_ai AFTER INSERT ON node_executions
WHEN new.prompt_hash IS NOT NULL
BEGIN
    UPDATE node_executions SET prompt_repeated = 1  -- itself, when it is not alone
    WHERE id = new.id AND EXISTS (
        SELECT 1 FROM node_executions WHERE prompt_hash = new.prompt_hash AND id <> new.id);
    UPDATE node_executions SET prompt_repeated = 1  -- the one it is no longer alone with
    WHERE id = (SELECT min(id) FROM node_executions
                WHERE prompt_hash = new.prompt_hash AND id <> new.id)
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = new.prompt_hash LIMIT 3)) = 2;
END;

CREATE TRIGGER IF NOT EXISTS prompt_repeated_ad AFTER DELETE ON node_executions
WHEN old.prompt_repeated = 1
BEGIN
    UPDATE node_executions SET prompt_repeated = NULL  -- the one left alone
    WHERE id = (SELECT min(id) FROM node_executions WHERE prompt_hash = old.prompt_hash)
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = old.prompt_hash LIMIT 2)) = 1;
END;

CREATE TRIGGER IF NOT EXISTS prompt_repeated_au AFTER UPDATE OF prompt_hash ON node_executions
WHEN old.prompt_hash IS NOT new.prompt_hash
BEGIN
    UPDATE node_executions SET prompt_repeated = NULL  -- the one it left alone
    WHERE id = (SELECT min(id) FROM node_executions WHERE prompt_hash = old.prompt_hash)
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = old.prompt_hash LIMIT 2)) = 1;
    UPDATE node_executions SET prompt_repeated = (  -- itself, as its new group says
        SELECT 1 FROM node_executions WHERE prompt_hash = new.prompt_hash AND id <> new.id)
    WHERE id = new.id;
    UPDATE node_executions SET prompt_repeated = 1  -- the one it is no longer alone with
    WHERE id = (SELECT min(id) FROM node_executions
                WHERE prompt_hash = new.prompt_hash AND id <> new.id)
      AND (SELECT count(*) FROM (
               SELECT 1 FROM node_executions WHERE prompt_hash = new.prompt_hash LIMIT 3)) = 2;
END;

-- It holds every column retried-prompts reads of an attempt (prompt_repeated too, so that
-- SQLite reads the index alone).
CREATE INDEX IF NOT EXISTS idx_node_exec_repeated ON node_executions(
    started_at, prompt_hash, project, agent_type, duplicate_of, prompt_repeated, status,
    outcome, run_id, session_id)
    WHERE prompt_repeated = 1;
