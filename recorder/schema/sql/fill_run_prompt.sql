-- A prompt seen after its run was made (events replayed out of order) fills the run's input.
UPDATE workflow_runs SET input_json = :input_json, workflow_name = :workflow_name
WHERE run_key = :run_key AND (input_json IS NULL OR input_json = '{}'
                              OR json_extract(input_json, '$.prompt') IS NULL);
