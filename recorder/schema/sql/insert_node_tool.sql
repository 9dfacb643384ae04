-- How often the node's subagent called one tool, and how many of those calls failed.
INSERT INTO node_tools (node_id, tool_name, calls, errors)
VALUES (:node_id, :tool_name, :calls, :errors);
