-- Rework: tasks sent again after a failure (node_executions.retry_of links a retry to
-- the failed attempt it repeats; see the README), per week (Monday, UTC, of the task's
-- first attempt) and agent type, among retries started within the last :days days
-- (default 90, rolling, UTC). retried_tasks = tasks retried at least once; retries =
-- attempts after the first; recovered = tasks whose last attempt succeeded (completed,
-- outcome not failure); attempts_to_success = mean attempt number of that success;
-- failed_attempt_tokens / failed_attempt_cost_usd = what the failed attempts that were
-- retried spent. Empty :project / :agent_type mean all. Uses idx_node_exec_retries.
WITH retries AS (
    SELECT
        r.first_attempt_id AS task,
        r.attempt,
        r.status = 'completed' AND coalesce(r.outcome, '') <> 'failure' AS succeeded,
        p.token_count AS failed_tokens,
        p.cost_usd AS failed_cost
    FROM node_executions AS r
    JOIN node_executions AS p ON p.id = r.retry_of
    WHERE r.retry_of IS NOT NULL AND r.duplicate_of IS NULL
      AND r.started_at >= strftime(
            '%Y-%m-%dT%H:%M:%fZ', 'now', '-' || coalesce(nullif(trim(:days), ''), 90) || ' days')
      AND (ifnull(:project, '') = '' OR instr(r.project, :project) > 0)
      AND (ifnull(:agent_type, '') = '' OR r.agent_type = :agent_type)
),
tasks AS (
    SELECT
        date(first.started_at, '-6 days', 'weekday 1') AS week,
        coalesce(first.agent_type, '') AS agent_type,
        max(retries.attempt) AS attempts,
        max(CASE WHEN succeeded THEN retries.attempt END) AS success_attempt,
        sum(failed_tokens) AS failed_tokens,
        sum(failed_cost) AS failed_cost
    FROM retries
    JOIN node_executions AS first ON first.id = retries.task
    GROUP BY retries.task
)
SELECT
    week,
    agent_type,
    count(*) AS retried_tasks,
    sum(attempts - 1) AS retries,
    count(success_attempt) AS recovered,
    round(avg(success_attempt), 2) AS attempts_to_success,
    sum(failed_tokens) AS failed_attempt_tokens,
    round(sum(failed_cost), 6) AS failed_attempt_cost_usd
FROM tasks
GROUP BY week, agent_type
ORDER BY week DESC, failed_attempt_tokens DESC, agent_type
LIMIT 500
