-- Kept events the recorder has not derived into the tables yet (Datasette never derives:
-- the hook's worker or `agent-runs sync` does).
SELECT count(*) AS waiting FROM kept_events
WHERE id > (SELECT value FROM derivation_state WHERE name = 'applied')
