-- One run of the batch being deleted.
INSERT INTO temp.prune_runs (id) VALUES (?);
