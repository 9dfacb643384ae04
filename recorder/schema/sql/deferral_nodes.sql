-- How many nodes the database holds (what deferring would rebuild the index of).
SELECT count(*) FROM node_executions;
