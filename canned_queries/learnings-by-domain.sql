-- Learnings by domain: the [LEARNED:domain] / [LEARNING:domain] / [LEARN] markers subagents
-- left in their reports (and ELF's own learnings), one row per domain, most first: how
-- many, how many heuristics and observations, from how many tasks, and the latest one.
-- Empty :days means all time; empty :project / :agent_type mean all (ELF's own rows belong
-- to no task, so they count only when neither is set). Uses idx_learnings_created_at.
SELECT
    coalesce(l.domain, 'general') AS domain,
    count(*) AS learnings,
    sum(coalesce(l.kind, l.type) = 'heuristic') AS heuristics,
    sum(coalesce(l.kind, l.type) = 'observation') AS observations,
    count(DISTINCT l.node_id) AS tasks,
    strftime('%Y-%m-%dT%H:%M:%fZ', max(l.created_at)) AS latest_at,
    coalesce(l.text, l.summary, l.title) AS latest  -- SQLite: the row of max(created_at)
FROM learnings AS l
LEFT JOIN node_executions AS n ON n.id = l.node_id
WHERE l.created_at >= CASE
        WHEN trim(ifnull(:days, '')) = '' THEN ''
        ELSE datetime('now', '-' || trim(:days) || ' days') END
  AND (ifnull(:project, '') = '' OR instr(n.project, :project) > 0)
  AND (ifnull(:agent_type, '') = '' OR n.agent_type = :agent_type)
GROUP BY coalesce(l.domain, 'general')
ORDER BY learnings DESC, latest_at DESC
LIMIT 500
