SELECT count(*) FROM kept_events;
