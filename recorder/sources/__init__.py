"""What feeds kept events besides the hook: transcripts, backfill, Conductor, demo, bulk."""
