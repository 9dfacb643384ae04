-- A node's tool counts are replaced whole by each reading of its transcript.
DELETE FROM node_tools WHERE node_id = :node_id;
