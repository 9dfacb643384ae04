-- Projects to offer in the dashboard's filter, in order, without NULL or ''.
-- A skip scan: each step seeks the next larger value in idx_node_exec_project, so the
-- cost grows with the number of projects, not of tasks (a DISTINCT would read every entry).
WITH RECURSIVE projects(project) AS (
    SELECT min(project) FROM node_executions WHERE project > ''
    UNION ALL
    SELECT (SELECT min(n.project) FROM node_executions AS n WHERE n.project > projects.project)
    FROM projects
    WHERE projects.project IS NOT NULL
)
SELECT project FROM projects WHERE project IS NOT NULL
