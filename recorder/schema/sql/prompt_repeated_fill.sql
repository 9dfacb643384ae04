-- node_executions.prompt_repeated of the rows a database held before m032.
UPDATE node_executions SET prompt_repeated = 1
WHERE prompt_hash IN (
    SELECT prompt_hash FROM node_executions
    WHERE prompt_hash IS NOT NULL
    GROUP BY prompt_hash
    HAVING count(*) > 1);
