-- Every model id the database has something to price for, with how many nodes and
-- sessions used it (a node without tokens, such as a call that failed at once, has
-- nothing to price); a node whose cost is unknown names its unpriced model in cost_note.
SELECT model, sum(uses) AS uses FROM (
    SELECT model, count(*) AS uses FROM node_executions
    WHERE model IS NOT NULL AND model <> '' AND coalesce(token_count, 0) > 0 GROUP BY model
    UNION ALL
    SELECT substr(cost_note, length('no price for model ') + 1), count(*)
    FROM node_executions WHERE cost_note LIKE 'no price for model %'
      AND cost_note <> 'no price for model ' || coalesce(model, '') GROUP BY 1
    UNION ALL
    SELECT main_model, count(*) FROM sessions WHERE main_model IS NOT NULL GROUP BY main_model
) GROUP BY model ORDER BY model;
