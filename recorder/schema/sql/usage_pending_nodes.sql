-- Finished nodes of a session whose subagent transcript was not complete when last read.
SELECT * FROM node_executions WHERE session_id = :session_id AND usage_complete = 0;
