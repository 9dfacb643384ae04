-- Agent types to offer in the dashboard's filter, in order, without NULL or ''.
-- A skip scan: each step seeks the next larger value in idx_node_exec_agent_type, so the
-- cost grows with the number of types, not of tasks (a DISTINCT would read every entry).
WITH RECURSIVE types(agent_type) AS (
    SELECT min(agent_type) FROM node_executions WHERE agent_type > ''
    UNION ALL
    SELECT (SELECT min(n.agent_type) FROM node_executions AS n
            WHERE n.agent_type > types.agent_type)
    FROM types
    WHERE types.agent_type IS NOT NULL
)
SELECT agent_type FROM types WHERE agent_type IS NOT NULL
