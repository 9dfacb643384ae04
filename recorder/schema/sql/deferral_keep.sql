-- Keep a deferred trigger's SQL (m030), in the transaction that drops it.
INSERT OR REPLACE INTO deferred_triggers (name, sql) VALUES (:name, :sql);
