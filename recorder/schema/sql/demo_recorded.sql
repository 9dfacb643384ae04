-- What a database holds that the demo did not write: kept events of other sources, and
-- nodes when the demo kept no event (rows of ELF or of an agent-runs before kept events).
SELECT
    (SELECT count(*) FROM kept_events WHERE source <> 'demo') AS events,
    (SELECT count(*) FROM kept_events WHERE source = 'demo') AS demo_events,
    (SELECT count(*) FROM node_executions) AS nodes;
