-- Projects to offer in the dashboard's filter (reads the project index only).
SELECT DISTINCT project FROM node_executions
WHERE project IS NOT NULL AND project != ''
ORDER BY project
