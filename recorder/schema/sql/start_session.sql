UPDATE sessions SET
    source = coalesce(:source, source),
    model = coalesce(:model, model),
    started_at = CASE WHEN :source IN ('startup', 'resume', 'clear', 'compact', 'fork')
                           AND (started_at IS NULL OR :received_at < started_at)
                      THEN :received_at ELSE started_at END
WHERE id = :session_id;
