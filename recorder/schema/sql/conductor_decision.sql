INSERT INTO conductor_decisions (run_id, decision_type, decision_data, reason, created_at)
VALUES (:run_id, :decision_type, :decision_data, :reason, :now);
